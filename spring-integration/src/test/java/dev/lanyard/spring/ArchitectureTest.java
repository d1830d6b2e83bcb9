package dev.lanyard.spring;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.lanyard.testing.ModuleBoundary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundary of the Spring Boot starter: it uses core (and the servlet filter) but no other adapter, and its public signatures name no
 * internal type of Lanyard and no Nimbus, BouncyCastle or Caffeine type (the shared rules: {@link ModuleBoundary}).
 * Core's own layering is core's {@code ArchitectureTest}.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importModule() {
    classes = ModuleBoundary.mainClasses("dev.lanyard.spring");
  }

  @Test
  void moduleWhenAnyClassThenNoOtherAdapter() {
    ModuleBoundary.checkUsesNoOtherAdapter(classes, "dev.lanyard.cli..");
  }

  @Test
  void publicApiWhenAnySignatureThenNoInternalNorThirdPartyType() {
    ModuleBoundary.checkPublicSignatures(classes);
  }

  @Test
  void publicApiWhenAnyTypeThenNoInternalNorThirdPartySupertype() {
    ModuleBoundary.checkPublicSupertypes(classes);
  }
}
