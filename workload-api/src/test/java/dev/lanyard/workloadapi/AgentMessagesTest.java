package dev.lanyard.workloadapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import io.spiffe.workloadapi.grpc.Workload;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link AgentMessages}: what the Workload API sends, read into Lanyard's values or refused with a reason. */
class AgentMessagesTest {
  private static final TrustDomain DOMAIN = TrustDomain.of("example.org");
  private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/payments");
  private static final EmbeddedAuthority AUTHORITY = EmbeddedAuthority.newBuilder(DOMAIN).build();

  private static ByteString utf8(String text) {
    return ByteString.copyFrom(text, StandardCharsets.UTF_8);
  }

  private static ByteString der(X509Svid svid) throws Exception {
    ByteString out = ByteString.EMPTY;
    for (X509Certificate certificate : svid.chain()) {
      out = out.concat(ByteString.copyFrom(certificate.getEncoded()));
    }
    return out;
  }

  @Test
  void jwtBundleWhenStandardJwksWithSigOrWithoutUseThenEveryKeyIsAJwtSvidKey() {
    String jwks = AUTHORITY.bundle().toJwksJson();
    String withoutUse = jwks.replace("\"use\":\"sig\",", "").replace(",\"use\":\"sig\"", "");

    TrustBundle sig = AgentMessages.jwtBundle(DOMAIN, utf8(jwks));
    TrustBundle none = AgentMessages.jwtBundle(DOMAIN, utf8(withoutUse));

    assertThat(withoutUse).doesNotContain("\"use\"");
    assertThat(sig.jwtKeys()).isNotEmpty().isEqualTo(AUTHORITY.bundle().jwtKeys());
    assertThat(none.jwtKeys()).isEqualTo(AUTHORITY.bundle().jwtKeys());
    assertThat(sig.skippedKeys()).isEmpty();
  }

  @Test
  void jwtBundleWhenItHoldsAnEd25519KeyAndAnX509EntryThenOnlyTheEd25519KeyIsSkippedAndTheRestKept() {
    String jwks = AUTHORITY.bundle().toJwksJson();
    String withExtras = jwks.replaceFirst("\\[", "[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\","
        + "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},{\"kty\":\"EC\",\"use\":\"x509-svid\"},");

    TrustBundle bundle = AgentMessages.jwtBundle(DOMAIN, utf8(withExtras));

    assertThat(bundle.jwtKeys()).isEqualTo(AUTHORITY.bundle().jwtKeys());
    assertThat(bundle.skippedKeys()).hasSize(1);
    assertThat(bundle.skippedKeys().get(0).toString()).contains("ed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "garbage", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[1]}", "{\"keys\":[] ,"})
  void jwtBundleWhenNotAJwkSetThenRefused(String document) {
    assertThatThrownBy(() -> AgentMessages.jwtBundle(DOMAIN, utf8(document)))
        .isInstanceOf(WorkloadApiException.class).hasMessageContaining("JWT bundle of example.org");
  }

  @Test
  void x509SvidWhenChainKeyAndIdBelongTogetherThenRead() throws Exception {
    X509Svid svid = AUTHORITY.issueX509Svid(WORKLOAD);

    X509Svid read = AgentMessages.x509Svid(Workload.X509SVID.newBuilder().setSpiffeId(WORKLOAD.toString())
        .setX509Svid(der(svid)).setX509SvidKey(ByteString.copyFrom(svid.privateKey().getEncoded())).build());

    assertThat(read.chain()).isEqualTo(svid.chain());
    assertThat(read.privateKey()).isEqualTo(svid.privateKey());
  }

  @Test
  void x509SvidWhenKeyIsAnotherSvidsThenRefusedNamingTheMismatch() throws Exception {
    X509Svid svid = AUTHORITY.issueX509Svid(WORKLOAD);
    X509Svid other = AUTHORITY.issueX509Svid(WORKLOAD);

    assertThatThrownBy(() -> AgentMessages.x509Svid(Workload.X509SVID.newBuilder()
        .setSpiffeId(WORKLOAD.toString()).setX509Svid(der(svid))
        .setX509SvidKey(ByteString.copyFrom(other.privateKey().getEncoded())).build()))
        .isInstanceOf(WorkloadApiException.class).hasMessageContaining("is not the key of its certificate");
  }

  @Test
  void x509SvidWhenSentForAnotherIdThenRefused() throws Exception {
    X509Svid svid = AUTHORITY.issueX509Svid(WORKLOAD);

    assertThatThrownBy(() -> AgentMessages.x509Svid(Workload.X509SVID.newBuilder()
        .setSpiffeId("spiffe://example.org/orders").setX509Svid(der(svid))
        .setX509SvidKey(ByteString.copyFrom(svid.privateKey().getEncoded())).build()))
        .isInstanceOf(WorkloadApiException.class).hasMessageContaining("names " + WORKLOAD);
  }

  @Test
  void x509SvidWhenChainOrKeyIsGarbageThenRefused() throws Exception {
    X509Svid svid = AUTHORITY.issueX509Svid(WORKLOAD);
    ByteString key = ByteString.copyFrom(svid.privateKey().getEncoded());

    assertThatThrownBy(() -> AgentMessages.x509Svid(Workload.X509SVID.newBuilder().setSpiffeId(WORKLOAD.toString())
        .setX509Svid(utf8("not der")).setX509SvidKey(key).build()))
        .isInstanceOf(WorkloadApiException.class).hasMessageContaining("DER");
    assertThatThrownBy(() -> AgentMessages.x509Svid(Workload.X509SVID.newBuilder().setSpiffeId(WORKLOAD.toString())
        .setX509Svid(ByteString.EMPTY).setX509SvidKey(key).build()))
        .isInstanceOf(WorkloadApiException.class).hasMessageContaining("no certificate");
    assertThatThrownBy(() -> AgentMessages.x509Svid(Workload.X509SVID.newBuilder().setSpiffeId(WORKLOAD.toString())
        .setX509Svid(der(svid)).setX509SvidKey(utf8("not a key")).build()))
        .isInstanceOf(WorkloadApiException.class).hasMessageContaining("PKCS#8")
        .hasMessageNotContaining("not a key");
  }

  @Test
  void trustDomainWhenSpiffeIdOrBareNameThenRead() {
    assertThat(AgentMessages.trustDomain("spiffe://partner.test")).isEqualTo(TrustDomain.of("partner.test"));
    assertThat(AgentMessages.trustDomain("partner.test")).isEqualTo(TrustDomain.of("partner.test"));
    assertThatThrownBy(() -> AgentMessages.trustDomain("Not A Domain")).isInstanceOf(WorkloadApiException.class);
  }
}
