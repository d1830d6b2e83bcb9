package dev.lanyard.servlet;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.lanyard.testing.ModuleBoundary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundary of the servlet filter module: it uses core (and the servlet API) but no other adapter, and its public signatures name no
 * internal type of Lanyard and no Nimbus, BouncyCastle or Caffeine type (the shared rules: {@link ModuleBoundary}).
 * Core's own layering is core's {@code ArchitectureTest}.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importModule() {
    classes = ModuleBoundary.mainClasses("dev.lanyard.servlet");
  }

  @Test
  void moduleWhenAnyClassThenNoOtherAdapter() {
    ModuleBoundary.checkUsesNoOtherAdapter(classes, "dev.lanyard.spring..", "dev.lanyard.cli..");
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
