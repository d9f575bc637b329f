package io.drain4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start compiles exactly as printed, with drain4j-core and nothing else on the
 * class path: a newcomer copies it literally (issue 13).
 */
class ReadmeQuickStartTest {
  private static final String SECTION = "### A JDK `HttpServer` with drain4j";
  private static final Pattern JAVA_BLOCK =
      Pattern.compile("```java\\n(.*?)\\n```", Pattern.DOTALL);
  private static final Pattern PUBLIC_CLASS = Pattern.compile("public final class (\\w+)");

  @Test
  void whenTheQuickStartIsCompiledAsPrintedThenItCompilesWithoutAWarning(@TempDir Path out)
      throws IOException {
    String source = quickStart();
    Matcher name = PUBLIC_CLASS.matcher(source);
    assertThat(name.find()).as("a public class in:%n%s", source).isTrue();
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    Boolean ok =
        javac
            .getTask(
                null,
                null,
                diagnostics,
                List.of(
                    "--release",
                    "17",
                    "-Xlint:all",
                    "-classpath",
                    System.getProperty("java.class.path"),
                    "-d",
                    out.toString()),
                null,
                List.of(new Source(name.group(1), source)))
            .call();
    List<String> problems =
        diagnostics.getDiagnostics().stream().map(ReadmeQuickStartTest::describe).toList();
    assertThat(problems).as("the README's quick start:%n%s", source).isEmpty();
    assertThat(ok).isTrue();
    assertThat(out.resolve(name.group(1) + ".class")).exists();
  }

  @Test
  void whenTheQuickStartIsReadThenItImportsEveryDrain4jTypeItUses() throws IOException {
    String source = quickStart();
    assertThat(source)
        .contains("import io.drain4j.DrainCoordinator;")
        .contains("import io.drain4j.InFlight;")
        .contains("import io.drain4j.jdkhttp.TrackedHttpClient;");
    // The refused branch must not fall through to the handler (issue 13: a NullPointerException).
    assertThat(source).containsPattern("if \\(request == null\\) \\{[^}]*return;\\s*}");
  }

  /** The first {@code java} block after the quick start's heading in the README at the root. */
  static String quickStart() throws IOException {
    String readme = Files.readString(readme(), StandardCharsets.UTF_8);
    int at = readme.indexOf(SECTION);
    assertThat(at).as("README section %s", SECTION).isNotNegative();
    Matcher block = JAVA_BLOCK.matcher(readme);
    assertThat(block.find(at)).as("a java block after %s", SECTION).isTrue();
    return block.group(1);
  }

  private static Path readme() {
    // Surefire runs in the module's directory; the README is at the reactor's root.
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null
        && !(Files.exists(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("core")))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("the reactor root above %s", Path.of("").toAbsolutePath()).isNotNull();
    return dir.resolve("README.md");
  }

  private static String describe(Diagnostic<? extends JavaFileObject> d) {
    return d.getKind() + " line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT);
  }

  /** The snippet as an in-memory source file named after its public class. */
  private static final class Source extends SimpleJavaFileObject {
    private final String code;

    Source(String className, String code) {
      super(URI.create("string:///" + className + Kind.SOURCE.extension), Kind.SOURCE);
      this.code = code;
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return code;
    }
  }
}
