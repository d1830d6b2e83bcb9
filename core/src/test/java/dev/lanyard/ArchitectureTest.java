package dev.lanyard;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.lanyard.testing.ModuleBoundary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layering of {@code lanyard-core}, lowest first: {@code spiffe} and {@code jose} (values with no
 * dependencies), {@code internal} (machinery), {@code audit} (event values and sinks, so that the authority can
 * audit what it issues), {@code inventory}, {@code trust}, {@code jwt}; {@code oidc} (beside {@code x509});
 * {@code x509}, {@code credentials}, {@code authority}; {@code tls}; {@code policy}; {@code graph}. A package may use only the packages its rule names;
 * there are no cycles; {@code internal} and third-party types (Nimbus, BouncyCastle, Caffeine) never appear in a
 * public signature; core never reaches for an adapter.
 */
class ArchitectureTest {
  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages("dev.lanyard");
  }

  @Test
  void packagesWhenSlicedByConceptThenFreeOfCycles() {
    slices().matching("dev.lanyard.(*)..").should().beFreeOfCycles().check(core);
  }

  @Test
  void packagesWhenLayeredThenEachUsesOnlyTheLayersBelowItThatItNames() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("spiffe").definedBy("dev.lanyard.spiffe..")
        .layer("jose").definedBy("dev.lanyard.jose..")
        .layer("internal").definedBy("dev.lanyard.internal..")
        .layer("audit").definedBy("dev.lanyard.audit..")
        .layer("inventory").definedBy("dev.lanyard.inventory..")
        .layer("trust").definedBy("dev.lanyard.trust..")
        .layer("jwt").definedBy("dev.lanyard.jwt..")
        .layer("oidc").definedBy("dev.lanyard.oidc..")
        .layer("x509").definedBy("dev.lanyard.x509..")
        .layer("credentials").definedBy("dev.lanyard.credentials..")
        .layer("authority").definedBy("dev.lanyard.authority..")
        .layer("tls").definedBy("dev.lanyard.tls..")
        .layer("policy").definedBy("dev.lanyard.policy..")
        .layer("graph").definedBy("dev.lanyard.graph..")
        .whereLayer("spiffe").mayNotAccessAnyLayer()
        .whereLayer("jose").mayNotAccessAnyLayer()
        .whereLayer("internal").mayOnlyAccessLayers("spiffe", "jose")
        .whereLayer("audit").mayOnlyAccessLayers("spiffe", "jose", "internal")
        .whereLayer("inventory").mayOnlyAccessLayers("spiffe", "internal")
        .whereLayer("trust").mayOnlyAccessLayers("spiffe", "jose", "internal")
        .whereLayer("jwt").mayOnlyAccessLayers("spiffe", "jose", "internal", "trust")
        .whereLayer("oidc").mayOnlyAccessLayers("spiffe", "jose", "internal", "trust", "jwt")
        .whereLayer("x509").mayOnlyAccessLayers("spiffe", "jose", "internal", "trust")
        .whereLayer("credentials").mayOnlyAccessLayers("spiffe", "jose", "internal", "trust", "jwt", "x509")
        .whereLayer("authority")
        .mayOnlyAccessLayers("spiffe", "jose", "internal", "audit", "inventory", "trust", "jwt", "x509", "credentials")
        .whereLayer("tls").mayOnlyAccessLayers("spiffe", "jose", "internal", "trust", "x509", "credentials")
        .whereLayer("policy").mayOnlyAccessLayers("spiffe", "internal")
        .whereLayer("graph").mayOnlyAccessLayers("spiffe", "internal", "audit", "policy", "inventory")

        .ensureAllClassesAreContainedInArchitecture()
        .check(core);
  }

  @Test
  void coreWhenAnyClassThenNoAdapterNorFrameworkDependency() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.lanyard.servlet..", "dev.lanyard.spring..",
        "dev.lanyard.cli..", "jakarta..", "org.springframework..", "picocli..").check(core);
  }

  @Test
  void coreWhenAnyClassThenNoShadedCopyOfAnotherLibrary() {
    noClasses().should().dependOnClassesThat().resideInAPackage("com.nimbusds.jose.shaded..")
        .because("nimbus' shaded Gson is nimbus' private copy, not its API").check(core);
  }

  @Test
  void internalWhenUsedThenOnlyFromLanyard() {
    classes().that().resideInAPackage("dev.lanyard.internal..").should().onlyBeAccessed()
        .byAnyPackage("dev.lanyard..").check(core);
  }

  @Test
  void publicApiWhenAnySignatureThenNoInternalNorThirdPartyType() {
    ModuleBoundary.checkPublicSignatures(core);
  }

  @Test
  void publicApiWhenAnyTypeThenNoInternalNorThirdPartySupertype() {
    ModuleBoundary.checkPublicSupertypes(core);
  }
}
