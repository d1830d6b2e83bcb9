package dev.lanyard;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layering of {@code lanyard-core}, lowest first: {@code spiffe} and {@code jose} (values with no
 * dependencies), {@code internal} (machinery), {@code trust}, {@code jwt}; {@code x509}, {@code credentials},
 * {@code authority}; {@code tls}; {@code policy}; {@code audit}. A package may use only the packages its rule names;
 * there are no cycles; {@code internal} and third-party types (Nimbus, BouncyCastle, Caffeine) never appear in a
 * public signature; core never reaches for an adapter.
 */
class ArchitectureTest {
  private static final String[] THIRD_PARTY = {"com.nimbusds..", "org.bouncycastle..", "com.github.benmanes.caffeine.."};

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
        .layer("trust").definedBy("dev.lanyard.trust..")
        .layer("jwt").definedBy("dev.lanyard.jwt..")
        .layer("x509").definedBy("dev.lanyard.x509..")
        .layer("credentials").definedBy("dev.lanyard.credentials..")
        .layer("authority").definedBy("dev.lanyard.authority..")
        .layer("tls").definedBy("dev.lanyard.tls..")
        .layer("policy").definedBy("dev.lanyard.policy..")
        .layer("audit").definedBy("dev.lanyard.audit..")
        .whereLayer("spiffe").mayNotAccessAnyLayer()
        .whereLayer("jose").mayNotAccessAnyLayer()
        .whereLayer("internal").mayOnlyAccessLayers("spiffe", "jose")
        .whereLayer("trust").mayOnlyAccessLayers("spiffe", "jose", "internal")
        .whereLayer("jwt").mayOnlyAccessLayers("spiffe", "jose", "internal", "trust")
        .whereLayer("x509").mayOnlyAccessLayers("spiffe", "jose", "internal", "trust")
        .whereLayer("credentials").mayOnlyAccessLayers("spiffe", "jose", "internal", "trust", "jwt", "x509")
        .whereLayer("authority")
        .mayOnlyAccessLayers("spiffe", "jose", "internal", "trust", "jwt", "x509", "credentials")
        .whereLayer("tls").mayOnlyAccessLayers("spiffe", "jose", "internal", "trust", "x509", "credentials")
        .whereLayer("policy").mayOnlyAccessLayers("spiffe", "internal")
        .whereLayer("audit").mayOnlyAccessLayers("spiffe", "internal", "policy")
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
    members().that(arePartOfThePublicApi())
        .should(mentionOnlyApiTypes())
        .check(core);
  }

  @Test
  void publicApiWhenAnyTypeThenNoInternalNorThirdPartySupertype() {
    classes().that(arePublicApiTypes()).should(extendOnlyApiTypes()).check(core);
  }

  /** Public (or protected) members of a type a user can name: public, outside internal, every enclosing type public. */
  private static DescribedPredicate<JavaMember> arePartOfThePublicApi() {
    return DescribedPredicate.describe("are part of the public API", member ->
        (member.getModifiers().contains(JavaModifier.PUBLIC) || member.getModifiers().contains(JavaModifier.PROTECTED))
            && !member.getModifiers().contains(JavaModifier.SYNTHETIC)
            && isPublicApiType(member.getOwner()));
  }

  private static DescribedPredicate<JavaClass> arePublicApiTypes() {
    return DescribedPredicate.describe("are public API types", ArchitectureTest::isPublicApiType);
  }

  private static boolean isPublicApiType(JavaClass type) {
    if (type.getPackageName().startsWith("dev.lanyard.internal")) {
      return false;
    }
    for (JavaClass t = type; t != null; t = t.getEnclosingClass().orElse(null)) {
      if (!t.getModifiers().contains(JavaModifier.PUBLIC) || t.isAnonymousClass()) {
        return false;
      }
    }
    return true;
  }

  private static boolean isForbiddenInApi(JavaClass type) {
    String name = type.getBaseComponentType().getName();
    return name.startsWith("dev.lanyard.internal.") || name.startsWith("com.nimbusds.")
        || name.startsWith("org.bouncycastle.") || name.startsWith("com.github.benmanes.caffeine.");
  }

  private static ArchCondition<JavaMember> mentionOnlyApiTypes() {
    return new ArchCondition<>("mention no internal or third-party type (" + String.join(", ", THIRD_PARTY)
        + ", dev.lanyard.internal..)") {
      @Override
      public void check(JavaMember member, ConditionEvents events) {
        Set<JavaClass> mentioned = new LinkedHashSet<>();
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
        List<String> forbidden = new ArrayList<>();
        for (JavaClass type : mentioned) {
          if (isForbiddenInApi(type)) {
            forbidden.add(type.getName());
          }
        }
        if (!forbidden.isEmpty()) {
          events.add(SimpleConditionEvent.violated(member, member.getFullName() + " mentions " + forbidden));
        }
      }
    };
  }

  private static ArchCondition<JavaClass> extendOnlyApiTypes() {
    return new ArchCondition<>("extend and implement no internal or third-party type") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        Set<JavaClass> supertypes = new LinkedHashSet<>(type.getRawInterfaces());
        type.getRawSuperclass().ifPresent(supertypes::add);
        for (JavaClass supertype : supertypes) {
          if (isForbiddenInApi(supertype)) {
            events.add(SimpleConditionEvent.violated(type, type.getName() + " extends " + supertype.getName()));
          }
        }
      }
    };
  }
}
