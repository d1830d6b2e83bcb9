package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.spiffe.SpiffeId;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.yaml.snakeyaml.Yaml;

/**
 * The {@code application.properties} snippets of the READMEs ({@code src/test/resources/readme/*.properties}, each
 * the tagged region a README shows; {@code ReadmeSnippetsTest} in core keeps them equal). Every {@code lanyard.*}
 * name in them must exist and every value must convert, and the ones that need no network, agent or files start a
 * real application context. The Maven dependency snippet names this module, and the Kubernetes projected token
 * snippet asks for what the OIDC snippet accepts.
 */
class ReadmePropertiesTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class));

  @ParameterizedTest
  @ValueSource(strings = {"starter", "outbound-debug", "dns-names", "shared-authority", "bundle-endpoint",
      "https-bundle", "federation", "workload-api", "files", "oidc", "minimal-service", "outbound", "mtls"})
  void bindWhenReadmeSnippetThenEveryLanyardPropertyExistsAndConverts(String name) {
    Map<String, String> properties = load(name);

    LanyardProperties bound = new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("lanyard", Bindable.of(LanyardProperties.class),
            new NoUnboundElementsBindHandler(BindHandler.DEFAULT));

    assertThat(bound).isNotNull();
    assertThat(properties).isNotEmpty();
  }

  @Test
  void bindWhenAPropertyNameIsMisspeltThenRefusedNamingIt() {
    Map<String, String> properties = load("starter");
    properties.put("lanyard.polcy.file", "classpath:lanyard-policy.txt");

    assertThatThrownBy(() -> new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("lanyard", Bindable.of(LanyardProperties.class),
            new NoUnboundElementsBindHandler(BindHandler.DEFAULT)))
        .hasRootCauseInstanceOf(UnboundConfigurationPropertiesException.class)
        .rootCause().hasMessageContaining("lanyard.polcy.file");
  }

  @Test
  void startWhenStarterSnippetThenPolicyFileFromTheClassPathServesThisIdentity() {
    runner.withPropertyValues(values(load("starter"))).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(LanyardIdentity.class).spiffeId())
          .isEqualTo(SpiffeId.parse("spiffe://example.org/payments"));
      assertThat(context.getBean(LanyardSettings.class).policy().current().ruleCount()).isEqualTo(3);
    });
  }

  @Test
  void startWhenMinimalServiceSnippetThenItsAuthorityDirectoryIsCreated(@TempDir Path home) {
    runner.withPropertyValues(values(load("minimal-service"))).withSystemProperties("user.home=" + home)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(home.resolve(".lanyard/example.org/authority.json")).isRegularFile();
        });
  }

  @Test
  void startWhenSharedAuthoritySnippetInAnotherDirectoryThenTheAuthorityPersistsThere(@TempDir Path dir) {
    Map<String, String> properties = load("shared-authority");
    properties.put("lanyard.authority.dir", dir.toString());
    properties.put("lanyard.spiffe-id", "spiffe://example.org/payments");
    properties.put("lanyard.policy.rules[0]", "GET /health public");

    runner.withPropertyValues(values(properties)).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(dir.resolve("authority.json")).isRegularFile();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"dns-names", "bundle-endpoint", "outbound", "mtls"})
  void startWhenSnippetAddedToTheStarterSnippetThenTheApplicationStarts(String name) {
    Map<String, String> properties = load("starter");
    properties.putAll(load(name));

    runner.withPropertyValues(values(properties)).run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void dnsNamesSnippetWhenStartedThenTheSvidCarriesThem() {
    Map<String, String> properties = load("starter");
    properties.putAll(load("dns-names"));

    runner.withPropertyValues(values(properties)).run(context -> {
      List<String> names = new ArrayList<>();
      for (List<?> san : context.getBean(LanyardIdentity.class).x509Svids().current().leaf()
          .getSubjectAlternativeNames()) {
        names.add(String.valueOf(san.get(1)));
      }
      assertThat(names).contains("payments.internal", "localhost");
    });
  }

  @Test
  void outboundDebugSnippetWhenReadThenItNamesTheInterceptorsLogger() {
    assertThat(load("outbound-debug")).containsOnlyKeys(
        "logging.level." + LanyardClientInterceptor.class.getName());
  }

  @Test
  @SuppressWarnings("unchecked")
  void projectedTokenSnippetWhenReadThenTheOidcSnippetAcceptsItsAudienceAndLifetime() throws IOException {
    Map<String, Object> volume;
    try (InputStream in = ReadmePropertiesTest.class.getResourceAsStream("/readme/k8s-projected-token.yaml")) {
      volume = ((List<Map<String, Object>>) new Yaml().loadAs(in, Map.class).get("volumes")).get(0);
    }
    Map<String, Object> token = (Map<String, Object>) ((List<Map<String, Object>>) ((Map<String, Object>)
        volume.get("projected")).get("sources")).get(0).get("serviceAccountToken");
    Map<String, String> oidc = load("oidc");

    assertThat(token.get("audience")).isEqualTo(oidc.get("lanyard.oidc.audience"));
    assertThat(Duration.ofSeconds(((Number) token.get("expirationSeconds")).longValue()))
        .isLessThanOrEqualTo(Duration.parse("PT" + oidc.get("lanyard.oidc.max-token-lifetime").toUpperCase(Locale.ROOT)));
  }

  @Test
  void dependencySnippetWhenComparedWithThisModulesPomThenSameCoordinates() throws Exception {
    Element dependency;
    try (InputStream in = ReadmePropertiesTest.class.getResourceAsStream("/readme/dependency.xml")) {
      dependency = parse(in);
    }
    Element pom;
    try (InputStream in = Files.newInputStream(Path.of("pom.xml"))) {
      pom = parse(in);
    }

    assertThat(text(dependency, "groupId")).isEqualTo("dev.lanyard");
    assertThat(text(dependency, "artifactId")).isEqualTo(text(pom, "artifactId"));
    assertThat(text(dependency, "version")).isEqualTo(text(child(pom, "parent"), "version"));
  }

  private static Element parse(InputStream in) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory.newDocumentBuilder().parse(in).getDocumentElement();
  }

  private static Element child(Element parent, String tag) {
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (node instanceof Element && ((Element) node).getTagName().equals(tag)) {
        return (Element) node;
      }
    }
    throw new AssertionError("no <" + tag + "> in <" + parent.getTagName() + ">");
  }

  private static String text(Element parent, String tag) {
    return child(parent, tag).getTextContent().strip();
  }

  private static Map<String, String> load(String name) {
    Properties properties = new Properties();
    try (InputStream in = ReadmePropertiesTest.class.getResourceAsStream("/readme/" + name + ".properties")) {
      assertThat(in).as(name).isNotNull();
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> out = new TreeMap<>();
    properties.forEach((key, value) -> out.put((String) key, (String) value));
    return out;
  }

  private static String[] values(Map<String, String> properties) {
    List<String> out = new ArrayList<>();
    properties.forEach((key, value) -> out.add(key + "=" + value));
    return out.toArray(String[]::new);
  }
}
