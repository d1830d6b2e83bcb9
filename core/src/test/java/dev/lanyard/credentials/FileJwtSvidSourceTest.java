package dev.lanyard.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileJwtSvidSourceTest {
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final String PAYMENTS = "spiffe://example.org/payments";

  @TempDir Path dir;
  private EmbeddedAuthority authority;
  private Path file;
  private MutableClock clock;

  @BeforeEach
  void setUp() {
    authority = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    file = dir.resolve("jwt_svid.token");
    clock = MutableClock.systemUtc();
  }

  private JwtSvid mint(SpiffeId subject, Duration ttl) {
    return authority.mint(subject, List.of(PAYMENTS), List.of("payments:charge"), ttl);
  }

  private void replace(String content) throws Exception {
    Path temporary = dir.resolve("jwt_svid.token.tmp");
    Files.writeString(temporary, content);
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private FileJwtSvidSource build() {
    return FileJwtSvidSource.newBuilder().token(file).clock(clock).checkInterval(Duration.ZERO).build();
  }

  @Test
  void fetchWhenFileHoldsTokenThenServesItForItsAudienceAndItVerifies() throws Exception {
    JwtSvid minted = mint(ORDERS, Duration.ofMinutes(5));
    Files.writeString(file, minted.token() + "\n");

    FileJwtSvidSource source = build();
    JwtSvid served = source.fetch(PAYMENTS, "payments:charge");

    assertThat(source.spiffeId()).isEqualTo(ORDERS);
    assertThat(served.token()).isEqualTo(minted.token());
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource())
        .audience(PAYMENTS).build();
    assertThat(verifier.verify(served.token()).subject()).isEqualTo(ORDERS);
  }

  @Test
  void fetchWhenAudienceOrScopeNotInTokenThenRefused() throws Exception {
    Files.writeString(file, mint(ORDERS, Duration.ofMinutes(5)).token());
    FileJwtSvidSource source = build();

    assertThatThrownBy(() -> source.fetch("spiffe://example.org/ledger")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not for spiffe://example.org/ledger");
    assertThatThrownBy(() -> source.fetch(PAYMENTS, "payments:refund")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("payments:refund");
  }

  @Test
  void fetchWhenFileReplacedThenNewTokenServed() throws Exception {
    Files.writeString(file, mint(ORDERS, Duration.ofMinutes(5)).token());
    FileJwtSvidSource source = build();
    JwtSvid next = mint(ORDERS, Duration.ofMinutes(5));

    replace(next.token());

    assertThat(source.fetch(PAYMENTS).token()).isEqualTo(next.token());
  }

  @Test
  void fetchWhenFileTruncatedOrOfAnotherSubjectThenKeepsCurrentToken() throws Exception {
    JwtSvid first = mint(ORDERS, Duration.ofMinutes(5));
    Files.writeString(file, first.token());
    FileJwtSvidSource source = build();
    String next = mint(ORDERS, Duration.ofMinutes(5)).token();

    replace(next.substring(0, next.indexOf('.') + 10));
    assertThat(source.fetch(PAYMENTS).token()).isEqualTo(first.token());

    replace(mint(SpiffeId.parse("spiffe://example.org/ledger"), Duration.ofMinutes(5)).token());
    assertThat(source.fetch(PAYMENTS).token()).isEqualTo(first.token());
  }

  @Test
  void fetchWhenTokenExpiredAndNotReplacedThenRefusedUntilFreshOneArrives() throws Exception {
    Files.writeString(file, mint(ORDERS, Duration.ofMinutes(5)).token());
    FileJwtSvidSource source = build();

    clock.advance(Duration.ofMinutes(6));
    assertThatThrownBy(() -> source.fetch(PAYMENTS)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("expired");

    // A token that expired before it was written is not taken either.
    replace(mint(ORDERS, Duration.ofMinutes(5)).token());
    assertThatThrownBy(() -> source.fetch(PAYMENTS)).isInstanceOf(IllegalStateException.class);

    // The sidecar writes a token that is current at the source's clock.
    JwtSvid fresh = mint(ORDERS, Duration.ofMinutes(10));
    replace(fresh.token());
    assertThat(source.fetch(PAYMENTS).token()).isEqualTo(fresh.token());
  }

  @Test
  void buildWhenFileMissingOrGarbageThenFailsNamingIt() throws Exception {
    assertThatThrownBy(this::build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(file.toString());

    Files.writeString(file, "not-a-token");
    assertThatThrownBy(this::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not hold a JWT-SVID");
  }

  @Test
  void toStringWhenLoadedThenNeverShowsToken() throws Exception {
    JwtSvid minted = mint(ORDERS, Duration.ofMinutes(5));
    Files.writeString(file, minted.token());

    assertThat(build().toString()).contains(ORDERS.toString()).doesNotContain(minted.token().substring(0, 20));
  }
}
