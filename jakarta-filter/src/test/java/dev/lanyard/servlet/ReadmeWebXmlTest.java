package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.policy.Caller;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.IntrospectionUtils;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The XML the READMEs show ({@code readme/*.xml} beside this class, each snippet a tagged region that core's
 * {@code ReadmeSnippetsTest} keeps equal to the README): the {@code web.xml} filters and servlets start in a real
 * Tomcat 11 with exactly their init-params, the Tomcat connector of the mutual-TLS section accepts a client's
 * X.509-SVID, and the Maven dependency names this module. The README's file paths stand for files of the same kind
 * made here, and its partner bundle URL for a local file (no network in tests).
 */
class ReadmeWebXmlTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final String PASSWORD = "readme-test";
  private static final String POLICY = "GET /.well-known/** public\nGET /lanyard/graph spiffe://example.org/ops\n"
      + "GET /whoami any\n";

  @TempDir Path dir;
  private EmbeddedAuthority authority;
  private final Map<String, String> standIns = new HashMap<>();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void files() throws IOException {
    authority = EmbeddedAuthority.newBuilder(TD).directory(dir.resolve("authority")).build();
    EmbeddedAuthority partner = EmbeddedAuthority.newBuilder(TrustDomain.of("partner.example")).build();
    Path partnerBundle = Files.writeString(dir.resolve("partner.json"), partner.bundle().toJson());
    standIns.put("/etc/lanyard/bundle.json",
        Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson()).toString());
    standIns.put("/WEB-INF/lanyard-policy.txt", Files.writeString(dir.resolve("policy.txt"), POLICY).toString());
    standIns.put("/var/lib/lanyard/authority", dir.resolve("authority").toString());
    standIns.put("/etc/lanyard/partner.example.bundle.json", partnerBundle.toString());
    standIns.put("https://partner.example/bundle", partnerBundle.toString());
    standIns.put("/etc/lanyard/inventory.json", Files.writeString(dir.resolve("inventory.json"),
        "{\"format\":\"lanyard-inventory/1\",\"identities\":[{\"id\":\"spiffe://example.org/orders\"}]}").toString());
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  @Test
  void webXmlWhenStartedInTomcatThenTheFilterRunsWithEveryDocumentedInitParam() throws Exception {
    Element filter = named(xml("web.xml"), "filter", "lanyard");
    Map<String, String> params = initParams(filter);
    assertThat(knownInitParams()).containsAll(params.keySet().stream()
        .filter(name -> !name.startsWith("lanyard.federation.")).toList());

    TomcatServer server = start(params, Map.of());

    assertThat(get(server.uri("/whoami")).statusCode()).isEqualTo(401);
  }

  @ParameterizedTest
  @ValueSource(strings = {"lanyard", "lanyard-federation", "lanyard-oidc"})
  void fragmentWhenFilterStartedInTomcatThenItDecides(String name) throws Exception {
    TomcatServer server = start(initParams(named(xml("fragments.xml"), "filter", name)), Map.of());

    assertThat(get(server.uri("/whoami")).statusCode()).isEqualTo(401);
  }

  @Test
  void bundleEndpointFragmentWhenStartedThenItServesTheAuthoritysBundleWithoutACredential() throws Exception {
    Element root = xml("fragments.xml");
    TomcatServer server = start(initParams(named(root, "filter", "lanyard")),
        Map.of("lanyard-bundle", root));

    HttpResponse<String> response = get(server.uri("/.well-known/spiffe-bundle"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains(authority.bundle().jwtKeys().get(0).keyId());
  }

  @Test
  void graphFragmentWhenStartedThenTheGraphIsBehindThePolicy() throws Exception {
    Element root = xml("fragments.xml");
    TomcatServer server = start(initParams(named(root, "filter", "lanyard")), Map.of("lanyard-graph", root));

    assertThat(get(server.uri("/lanyard/graph")).statusCode()).isEqualTo(401);
    String token = authority.mintJwtSvid(SpiffeId.parse("spiffe://example.org/ops"),
        "spiffe://example.org/payments").token();
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        server.uri("/lanyard/graph")).header("Authorization", "Bearer " + token).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("lanyard-graph/1");
  }

  @Test
  void connectorWhenBuiltFromTheDocumentedXmlThenTheClientsSvidReachesTheFilter() throws Exception {
    Element element = xml("server.xml");
    Path keystore = keystore(authority.issueX509Svid(SpiffeId.parse("spiffe://example.org/payments")));
    Path truststore = truststore();
    Map<String, String> files = Map.of("conf/spiffe-roots.p12", truststore.toString(),
        "conf/payments-svid.p12", keystore.toString(), "…", PASSWORD);

    Connector connector = new Connector(element.getAttribute("protocol"));
    setAll(connector, element, files, Set.of("protocol", "port"));
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    Element sslElement = child(element, "SSLHostConfig");
    SSLHostConfig ssl = new SSLHostConfig();
    setAll(ssl, sslElement, files, Set.of());
    Element certificateElement = child(sslElement, "Certificate");
    SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(ssl,
        SSLHostConfigCertificate.Type.valueOf(certificateElement.getAttribute("type")));
    setAll(certificate, certificateElement, files, Set.of("type"));
    ssl.addCertificate(certificate);
    connector.addSslHostConfig(ssl);
    assertThat(connector.getScheme()).isEqualTo("https");
    assertThat(connector.getSecure()).isTrue();

    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(dir.resolve("tomcat").toString());
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", Files.createDirectories(dir.resolve("docbase")).toString());
    FilterDef def = new FilterDef();
    def.setFilterName("lanyard");
    def.setFilterClass(LanyardFilter.class.getName());
    initParams(named(xml("fragments.xml"), "filter", "lanyard"))
        .forEach((name, value) -> def.addInitParameter(name, standIn(value)));
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("lanyard");
    map.addURLPatternDecoded("/*");
    context.addFilterMap(map);
    Tomcat.addServlet(context, "caller", new CallerServlet());
    context.addServletMappingDecoded("/*", "caller");
    tomcat.start();
    closing.add(() -> {
      tomcat.stop();
      tomcat.destroy();
    });
    assertThat(context.getState()).isEqualTo(LifecycleState.STARTED);

    RotatingX509SvidSource orders = RotatingX509SvidSource.newBuilder(authority,
        SpiffeId.parse("spiffe://example.org/orders")).build();
    closing.add(orders);
    SSLContext tls = SpiffeTls.context(orders, X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource())
        .build(), PeerAuthorizer.exactly(SpiffeId.parse("spiffe://example.org/payments")));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
        .sslParameters(SpiffeTls.clientParameters(tls)).connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
        + connector.getLocalPort() + "/whoami")).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("spiffe://example.org/orders X509_SVID");
  }

  @Test
  void dependencyWhenComparedWithThisModulesPomThenSameCoordinates() throws Exception {
    Element dependency = xml("dependency.xml");
    Element pom = parse(Files.newInputStream(Path.of("pom.xml")));

    assertThat(text(dependency, "groupId")).isEqualTo("dev.lanyard");
    assertThat(text(dependency, "artifactId")).isEqualTo(text(pom, "artifactId"));
    assertThat(text(dependency, "version")).isEqualTo(text(child(pom, "parent"), "version"));
  }

  /** Writes a caller's SPIFFE ID and credential type, as the filter handed them over. */
  static final class CallerServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      Caller caller = (Caller) request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      response.getWriter().print(caller.id() + " " + caller.credentialType());
    }
  }

  private TomcatServer start(Map<String, String> params, Map<String, Element> servlets) throws Exception {
    TomcatServer.Builder builder = TomcatServer.newBuilder(dir.resolve("tomcat"));
    params.forEach((name, value) -> builder.initParam(name, standIn(value)));
    for (Map.Entry<String, Element> servlet : servlets.entrySet()) {
      Element element = named(servlet.getValue(), "servlet", servlet.getKey());
      Map<String, String> servletParams = new LinkedHashMap<>();
      initParams(element).forEach((name, value) -> servletParams.put(name, standIn(value)));
      builder.servlet(servlet.getKey(), text(element, "servlet-class"), mapping(servlet.getValue(), servlet.getKey()),
          servletParams);
    }
    TomcatServer server = builder.start();
    closing.add(server);
    assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();
    return server;
  }

  private String standIn(String value) {
    String standIn = standIns.get(value);
    if (standIn != null) {
      return standIn;
    }
    assertThat(value).as("a README path or URL this test has no stand-in for")
        .doesNotStartWith("/").satisfiesAnyOf(v -> assertThat(v).doesNotStartWith("https://"),
            v -> assertThat(v).startsWith("https://kubernetes."));
    return value;
  }

  private static Set<String> knownInitParams() throws IllegalAccessException {
    Set<String> names = new TreeSet<>();
    for (Field field : LanyardFilter.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        names.add((String) field.get(null));
      }
    }
    return names;
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Element xml(String name) throws Exception {
    try (InputStream in = ReadmeWebXmlTest.class.getResourceAsStream("readme/" + name)) {
      assertThat(in).as(name).isNotNull();
      return parse(in);
    }
  }

  private static Element parse(InputStream in) throws Exception {
    try (in) {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return factory.newDocumentBuilder().parse(in).getDocumentElement();
    }
  }

  private static Element named(Element root, String tag, String name) {
    NodeList nodes = root.getElementsByTagName(tag);
    for (int i = 0; i < nodes.getLength(); i++) {
      Element element = (Element) nodes.item(i);
      if (text(element, tag + "-name").equals(name)) {
        return element;
      }
    }
    throw new AssertionError("no <" + tag + "> named " + name);
  }

  private static String mapping(Element root, String servletName) {
    NodeList nodes = root.getElementsByTagName("servlet-mapping");
    for (int i = 0; i < nodes.getLength(); i++) {
      Element element = (Element) nodes.item(i);
      if (text(element, "servlet-name").equals(servletName)) {
        return text(element, "url-pattern");
      }
    }
    throw new AssertionError("no <servlet-mapping> for " + servletName);
  }

  private static Map<String, String> initParams(Element element) {
    Map<String, String> params = new LinkedHashMap<>();
    NodeList nodes = element.getElementsByTagName("init-param");
    for (int i = 0; i < nodes.getLength(); i++) {
      Element param = (Element) nodes.item(i);
      params.put(text(param, "param-name"), text(param, "param-value"));
    }
    return params;
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

  /** Sets each attribute the way Tomcat's {@code server.xml} digester does, with stand-ins for files and secrets. */
  private static void setAll(Object target, Element element, Map<String, String> standIns, Set<String> skipped) {
    for (int i = 0; i < element.getAttributes().getLength(); i++) {
      Node attribute = element.getAttributes().item(i);
      if (!skipped.contains(attribute.getNodeName())) {
        String value = standIns.getOrDefault(attribute.getNodeValue(), attribute.getNodeValue());
        assertThat(IntrospectionUtils.setProperty(target, attribute.getNodeName(), value))
            .as(attribute.getNodeName()).isTrue();
      }
    }
  }

  private Path keystore(X509Svid svid) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("server", svid.privateKey(), PASSWORD.toCharArray(), svid.chain().toArray(new Certificate[0]));
    return save(store, dir.resolve("payments-svid.p12"));
  }

  private Path truststore() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    int i = 0;
    for (X509Certificate root : authority.bundle().x509Authorities()) {
      store.setCertificateEntry("root-" + i++, root);
    }
    return save(store, dir.resolve("spiffe-roots.p12"));
  }

  private static Path save(KeyStore store, Path file) throws Exception {
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, PASSWORD.toCharArray());
    }
    return file;
  }
}
