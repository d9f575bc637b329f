package io.drain4j.spring.app;

import org.springframework.core.Ordered;
import org.springframework.test.annotation.DirtiesContext.HierarchyMode;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;

/**
 * The application tests close their context themselves, since closing it is what they test. A test
 * calls {@link #contextClosed()} once it has closed the context: the closed context is dropped from
 * Spring's test context cache at once, so the listeners that run after the test neither use nor
 * restart it.
 */
public final class ClosedContextListener implements TestExecutionListener, Ordered {
  private static final ThreadLocal<TestContext> CURRENT = new ThreadLocal<>();

  /** Marks the running test's context dirty; call on the test's thread after closing it. */
  static void contextClosed() {
    TestContext testContext = CURRENT.get();
    if (testContext == null) {
      throw new IllegalStateException("ClosedContextListener is not registered for this test");
    }
    testContext.markApplicationContextDirty(HierarchyMode.EXHAUSTIVE);
  }

  @Override
  public void beforeTestExecution(TestContext testContext) {
    CURRENT.set(testContext);
  }

  @Override
  public void afterTestExecution(TestContext testContext) {
    CURRENT.remove();
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
