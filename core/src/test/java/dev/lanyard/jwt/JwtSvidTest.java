package dev.lanyard.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.HandmadeJws.Obj;
import dev.lanyard.jwt.JwtSvidRejectedException.Reason;
import dev.lanyard.spiffe.SpiffeId;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link JwtSvid#decodeUnverified}: a token handed over by an agent or a token file, read for its metadata. */
class JwtSvidTest {
  private static final KeyPair KEY = HandmadeJws.ecKeyPair("secp256r1");
  private static final Obj HEADER = Obj.of().str("alg", "ES256").str("kid", "k1").str("typ", "JWT");
  private static final Obj SPIRE_CLAIMS = Obj.of().str("sub", "spiffe://example.org/payments")
      .raw("aud", "[\"spiffe://example.org/ledger\"]").num("exp", 1_900_000_300L).num("iat", 1_900_000_000L);

  private static String token(Obj header, Obj claims) {
    return HandmadeJws.signed(HandmadeJws.ES256, KEY.getPrivate(), header.json(), claims.json());
  }

  @Test
  void decodeUnverifiedWhenSignedByOurBuilderThenSameMetadata() throws Exception {
    JwtSvid minted = JwtSvid.newBuilder().subject(SpiffeId.parse("spiffe://example.org/orders"))
        .audience(List.of("a", "b")).scopes(List.of("x:read", "y")).tokenId("t-1")
        .validity(Instant.ofEpochSecond(1_900_000_000L), Instant.ofEpochSecond(1_900_000_600L))
        .sign(JwtAlgorithm.ES256, "k9", KEY.getPrivate());

    JwtSvid read = JwtSvid.decodeUnverified(minted.token());

    assertThat(read.token()).isEqualTo(minted.token());
    assertThat(read.subject()).isEqualTo(minted.subject());
    assertThat(read.audience()).isEqualTo(minted.audience());
    assertThat(read.scopes()).isEqualTo(minted.scopes());
    assertThat(read.issuedAt()).isEqualTo(minted.issuedAt());
    assertThat(read.expiresAt()).isEqualTo(minted.expiresAt());
    assertThat(read.keyId()).isEqualTo("k9");
    assertThat(read.tokenId()).isEqualTo("t-1");
    assertThat(read.algorithm()).isEqualTo(JwtAlgorithm.ES256);
    assertThat(read.toString()).doesNotContain(minted.token());
  }

  @Test
  void decodeUnverifiedWhenSpireShapedTokenWithoutJtiOrScopeThenEmptyTokenIdAndNoScopes() throws Exception {
    JwtSvid read = JwtSvid.decodeUnverified(token(HEADER, SPIRE_CLAIMS));

    assertThat(read.subject()).isEqualTo(SpiffeId.parse("spiffe://example.org/payments"));
    assertThat(read.audience()).containsExactly("spiffe://example.org/ledger");
    assertThat(read.tokenId()).isEmpty();
    assertThat(read.scopes()).isEmpty();
    assertThat(read.lifetime().toSeconds()).isEqualTo(300);
  }

  static Stream<Arguments> broken() {
    return Stream.of(
        Arguments.of("not a token", Reason.MALFORMED),
        Arguments.of(token(HEADER.without("kid"), SPIRE_CLAIMS), Reason.UNKNOWN_KEY),
        Arguments.of(token(HEADER.str("alg", "HS256"), SPIRE_CLAIMS), Reason.ALGORITHM_NOT_ALLOWED),
        Arguments.of(token(HEADER.str("jku", "https://x"), SPIRE_CLAIMS), Reason.HEADER_NOT_ALLOWED),
        Arguments.of(token(HEADER, SPIRE_CLAIMS.without("sub")), Reason.MISSING_CLAIM),
        Arguments.of(token(HEADER, SPIRE_CLAIMS.str("sub", "spiffe://example.org")), Reason.INVALID_SUBJECT),
        Arguments.of(token(HEADER, SPIRE_CLAIMS.without("aud")), Reason.MISSING_CLAIM),
        Arguments.of(token(HEADER, SPIRE_CLAIMS.raw("aud", "[]")), Reason.INVALID_CLAIM),
        Arguments.of(token(HEADER, SPIRE_CLAIMS.without("exp")), Reason.MISSING_CLAIM),
        Arguments.of(token(HEADER, SPIRE_CLAIMS.without("iat")), Reason.MISSING_CLAIM),
        Arguments.of(token(HEADER, SPIRE_CLAIMS.str("exp", "soon")), Reason.INVALID_CLAIM),
        Arguments.of(token(HEADER, SPIRE_CLAIMS.num("scope", 1)), Reason.INVALID_CLAIM),
        Arguments.of(token(HEADER, SPIRE_CLAIMS.duplicate("sub", "\"spiffe://example.org/x\"")), Reason.MALFORMED));
  }

  @ParameterizedTest
  @MethodSource("broken")
  void decodeUnverifiedWhenNotAJwtSvidThenRejectedWithReason(String token, Reason reason) {
    assertThatThrownBy(() -> JwtSvid.decodeUnverified(token)).isInstanceOf(JwtSvidRejectedException.class)
        .extracting(e -> ((JwtSvidRejectedException) e).reason()).isEqualTo(reason);
  }
}
