package dev.lanyard.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.lanyard.testing.ModuleBoundary;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundary of the command line: it uses core (and picocli) but no other adapter, and its public signatures name no
 * internal type of Lanyard and no Nimbus, BouncyCastle or Caffeine type (the shared rules: {@link ModuleBoundary}).
 * Core's own layering is core's {@code ArchitectureTest}.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importModule() {
    classes = ModuleBoundary.mainClasses("dev.lanyard.cli");
  }

  @Test
  void moduleWhenAnyClassThenNoOtherAdapter() {
    ModuleBoundary.checkUsesNoOtherAdapter(classes, "dev.lanyard.servlet..", "dev.lanyard.spring..");
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
