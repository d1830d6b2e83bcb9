package dev.lanyard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.lanyard.internal.Durations;
import java.time.Duration;
import org.junit.jupiter.api.Test;

// Public, so that its public nested types below count as public API for the rule under test.
public class ModuleBoundaryTest {
  /** A public type whose public method hands out an internal type: what the rule exists to catch. */
  public static final class LeaksInternal {
    public Durations durations() {
      return null;
    }

    public Duration fine() {
      return Duration.ZERO;
    }
  }

  /** A public type whose public method declares a third-party exception. */
  public static final class ThrowsThirdParty {
    public void parse() throws com.nimbusds.jose.JOSEException {
    }
  }

  /** A public type that extends a third-party type. */
  public abstract static class ExtendsThirdParty extends org.bouncycastle.asn1.ASN1Object {
  }

  /** A public type whose signatures name only API types. */
  public static final class Clean {
    public String name() {
      return "clean";
    }
  }

  @Test
  void checkPublicSignaturesWhenAPublicMethodReturnsAnInternalTypeThenFailsNamingIt() {
    JavaClasses classes = new ClassFileImporter().importClasses(LeaksInternal.class);
    assertThatThrownBy(() -> ModuleBoundary.checkPublicSignatures(classes))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("LeaksInternal.durations()")
        .hasMessageContaining("dev.lanyard.internal.Durations")
        .hasMessageNotContaining("fine()");
  }

  @Test
  void checkPublicSignaturesWhenAThrowsClauseNamesAThirdPartyTypeThenFails() {
    JavaClasses classes = new ClassFileImporter().importClasses(ThrowsThirdParty.class);
    assertThatThrownBy(() -> ModuleBoundary.checkPublicSignatures(classes))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("com.nimbusds.jose.JOSEException");
  }

  @Test
  void checkPublicSupertypesWhenAPublicTypeExtendsAThirdPartyTypeThenFails() {
    JavaClasses classes = new ClassFileImporter().importClasses(ExtendsThirdParty.class);
    assertThatThrownBy(() -> ModuleBoundary.checkPublicSupertypes(classes))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("org.bouncycastle.asn1.ASN1Object");
    ModuleBoundary.checkPublicSupertypes(new ClassFileImporter().importClasses(Clean.class));
  }

  @Test
  void checkPublicSignaturesWhenOnlyApiTypesThenPasses() {
    ModuleBoundary.checkPublicSignatures(new ClassFileImporter().importClasses(Clean.class));
  }

  @Test
  void isForbiddenInApiWhenInternalOrThirdPartyThenTrue() {
    assertThat(ModuleBoundary.isForbiddenInApi("dev.lanyard.internal.Json")).isTrue();
    assertThat(ModuleBoundary.isForbiddenInApi("dev.lanyard.servlet.internal.ServletExchanges")).isTrue();
    assertThat(ModuleBoundary.isForbiddenInApi("com.nimbusds.jose.JWSObject")).isTrue();
    assertThat(ModuleBoundary.isForbiddenInApi("org.bouncycastle.asn1.ASN1Object")).isTrue();
    assertThat(ModuleBoundary.isForbiddenInApi("com.github.benmanes.caffeine.cache.Cache")).isTrue();
    assertThat(ModuleBoundary.isForbiddenInApi("dev.lanyard.spiffe.SpiffeId")).isFalse();
    assertThat(ModuleBoundary.isForbiddenInApi("java.time.Duration")).isFalse();
  }
}
