package io.drain4j.spring.app;

import org.springframework.core.Ordered;
import org.springframework.test.annotation.DirtiesContext.HierarchyMode;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;

/**
 * The application tests close their context themselves, since closing it is what they test. A test
 * calls {@link #contextClosing()} as it starts closing the context: once the test has run, passed
 * or failed, the closed context is dropped from Spring's test context cache, so the listeners that
 * run after the test and the next test neither use nor restart it.
 */
public final class ClosedContextListener implements TestExecutionListener, Ordered {
  private static final ThreadLocal<TestContext> CURRENT = new ThreadLocal<>();
  private static final String CLOSING = ClosedContextListener.class.getName() + ".closing";

  /** Records that the running test closes its context; call on the test's thread. */
  static void contextClosing() {
    TestContext testContext = CURRENT.get();
    if (testContext == null) {
      throw new IllegalStateException("ClosedContextListener is not registered for this test");
    }
    testContext.setAttribute(CLOSING, true);
  }

  @Override
  public void beforeTestExecution(TestContext testContext) {
    CURRENT.set(testContext);
  }

  @Override
  public void afterTestExecution(TestContext testContext) {
    CURRENT.remove();
    // The attributes outlive the test method: the next one starts without the mark.
    if (testContext.removeAttribute(CLOSING) != null) {
      testContext.markApplicationContextDirty(HierarchyMode.EXHAUSTIVE);
    }
  }

  /**
   * Closes what a test class left open (a context loaded for a test that was then skipped) now, not
   * at JVM exit: there the drain's exit bound would halt the test JVM.
   */
  @Override
  public void afterTestClass(TestContext testContext) {
    testContext.markApplicationContextDirty(HierarchyMode.EXHAUSTIVE);
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
