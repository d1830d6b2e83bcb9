package dev.lanyard.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
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

/**
 * The module-boundary rules every module checks (ArchUnit), written once: the module reaches for no other
 * adapter, and its public signatures name no internal type of Lanyard (any {@code dev.lanyard..internal..} package)
 * and no Nimbus, BouncyCastle or Caffeine type, in a signature, a throws clause or a supertype. Core uses the same
 * rules; its package layering is core's own {@code ArchitectureTest}.
 */
public final class ModuleBoundary {
  private ModuleBoundary() {}

  /** The module's main classes under {@code rootPackage} (no tests, no jars). */
  public static JavaClasses mainClasses(String rootPackage) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages(rootPackage);
  }

  /** Fails when a class depends on any of the other adapters' packages (e.g. {@code "dev.lanyard.spring.."}). */
  public static void checkUsesNoOtherAdapter(JavaClasses classes, String... otherAdapterPackages) {
    noClasses().should().dependOnClassesThat().resideInAnyPackage(otherAdapterPackages).check(classes);
  }

  /** Fails when a public or protected member of a public type mentions an internal or third-party type. */
  public static void checkPublicSignatures(JavaClasses classes) {
    members().that(DescribedPredicate.describe("are part of the public API", ModuleBoundary::isApi))
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
              unit.getThrowsClause().getTypes().forEach(mentioned::add);
            }
            for (JavaClass type : mentioned) {
              String name = type.getBaseComponentType().getName();
              if (isForbiddenInApi(name)) {
                events.add(SimpleConditionEvent.violated(member, member.getFullName() + " mentions " + name));
              }
            }
          }
        })
        .allowEmptyShould(true)
        .check(classes);
  }

  /** Fails when a public type extends or implements an internal or third-party type. */
  public static void checkPublicSupertypes(JavaClasses classes) {
    classes().that(DescribedPredicate.describe("are public API types", ModuleBoundary::isApiType))
        .should(new ArchCondition<JavaClass>("extend and implement no internal or third-party type") {
          @Override
          public void check(JavaClass type, ConditionEvents events) {
            Set<JavaClass> supertypes = new HashSet<>(type.getRawInterfaces());
            type.getRawSuperclass().ifPresent(supertypes::add);
            for (JavaClass supertype : supertypes) {
              if (isForbiddenInApi(supertype.getName())) {
                events.add(SimpleConditionEvent.violated(type, type.getName() + " extends " + supertype.getName()));
              }
            }
          }
        })
        .allowEmptyShould(true)
        .check(classes);
  }

  static boolean isForbiddenInApi(String className) {
    return className.startsWith("dev.lanyard.") && className.contains(".internal.")
        || className.startsWith("com.nimbusds.") || className.startsWith("org.bouncycastle.")
        || className.startsWith("com.github.benmanes.caffeine.");
  }

  private static boolean isApi(JavaMember member) {
    return (member.getModifiers().contains(JavaModifier.PUBLIC) || member.getModifiers().contains(JavaModifier.PROTECTED))
        && !member.getModifiers().contains(JavaModifier.SYNTHETIC)
        && isApiType(member.getOwner());
  }

  /** A type a user can name: outside every internal package, itself and every enclosing type public. */
  private static boolean isApiType(JavaClass type) {
    if (type.getPackageName().contains(".internal")) {
      return false;
    }
    for (JavaClass t = type; t != null; t = t.getEnclosingClass().orElse(null)) {
      if (!t.getModifiers().contains(JavaModifier.PUBLIC) || t.isAnonymousClass()) {
        return false;
      }
    }
    return true;
  }
}
