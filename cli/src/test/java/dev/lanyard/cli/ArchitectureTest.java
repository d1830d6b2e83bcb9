package dev.lanyard.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundary of the command line: it uses core (and picocli) but no other adapter, and its public signatures name no
 * internal type of Lanyard (core's {@code dev.lanyard.internal}, the adapters' {@code dev.lanyard.servlet.internal})
 * and no Nimbus, BouncyCastle or Caffeine type. Core's own layering is core's {@code ArchitectureTest}.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importModule() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages("dev.lanyard.cli");
  }

  @Test
  void moduleWhenAnyClassThenNoOtherAdapter() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.lanyard.servlet..", "dev.lanyard.spring..").check(classes);
  }

  @Test
  void publicApiWhenAnySignatureThenNoInternalNorThirdPartyType() {
    members().that(DescribedPredicate.describe("are part of the public API", ArchitectureTest::isApi))
        .should(new ArchCondition<JavaMember>("mention no internal or third-party type") {
          @Override
          public void check(JavaMember member, ConditionEvents events) {
            Set<JavaClass> mentioned = new HashSet<>();
            if (member instanceof JavaField) {
              mentioned.addAll(((JavaField) member).getType().getAllInvolvedRawTypes());
            } else if (member instanceof JavaCodeUnit) {
              JavaCodeUnit unit = (JavaCodeUnit) member;
              mentioned.addAll(unit.getReturnType().getAllInvolvedRawTypes());
              for (JavaType parameter : unit.getParameterTypes()) {
                mentioned.addAll(parameter.getAllInvolvedRawTypes());
              }
            }
            for (JavaClass type : mentioned) {
              String name = type.getBaseComponentType().getName();
              if (name.startsWith("dev.lanyard.internal.") || name.startsWith("dev.lanyard.servlet.internal.")
                  || name.startsWith("com.nimbusds.") || name.startsWith("org.bouncycastle.")
                  || name.startsWith("com.github.benmanes.caffeine.")) {
                events.add(SimpleConditionEvent.violated(member, member.getFullName() + " mentions " + name));
              }
            }
          }
        })
        .allowEmptyShould(true)
        .check(classes);
  }

  private static boolean isApi(JavaMember member) {
    if (!member.getModifiers().contains(JavaModifier.PUBLIC) && !member.getModifiers().contains(JavaModifier.PROTECTED)
        || member.getModifiers().contains(JavaModifier.SYNTHETIC)
        || member.getOwner().getPackageName().contains(".internal")) {
      return false;
    }
    for (JavaClass t = member.getOwner(); t != null; t = t.getEnclosingClass().orElse(null)) {
      if (!t.getModifiers().contains(JavaModifier.PUBLIC) || t.isAnonymousClass()) {
        return false;
      }
    }
    return true;
  }
}
