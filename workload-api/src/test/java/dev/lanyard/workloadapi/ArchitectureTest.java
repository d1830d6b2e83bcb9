package dev.lanyard.workloadapi;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import dev.lanyard.testing.ModuleBoundary;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundary of the Workload API module: it uses core but no adapter, and its public signatures name no
 * internal type of Lanyard and no third-party type (the shared rules: {@link ModuleBoundary}); gRPC, protobuf and
 * java-spiffe types stay out of its public API too.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importModule() {
    classes = ModuleBoundary.mainClasses("dev.lanyard.workloadapi");
  }

  @Test
  void moduleWhenAnyClassThenNoAdapter() {
    ModuleBoundary.checkUsesNoOtherAdapter(classes, "dev.lanyard.servlet..", "dev.lanyard.spring..",
        "dev.lanyard.cli..");
  }

  @Test
  void publicApiWhenAnySignatureThenNoInternalNorThirdPartyType() {
    ModuleBoundary.checkPublicSignatures(classes);
  }

  @Test
  void publicApiWhenAnyTypeThenNoInternalNorThirdPartySupertype() {
    ModuleBoundary.checkPublicSupertypes(classes);
  }

  @Test
  void publicApiWhenAnyMemberThenNoGrpcProtobufNettyNorJavaSpiffeType() {
    List<String> leaks = new java.util.ArrayList<>();
    for (JavaClass type : classes) {
      if (!type.getModifiers().contains(JavaModifier.PUBLIC)) {
        continue;
      }
      for (JavaMember member : type.getMembers()) {
        if (!member.getModifiers().contains(JavaModifier.PUBLIC) && !member.getModifiers()
            .contains(JavaModifier.PROTECTED)) {
          continue;
        }
        java.util.Set<JavaClass> mentioned = new java.util.HashSet<>();
        if (member instanceof JavaField) {
          mentioned.addAll(((JavaField) member).getType().getAllInvolvedRawTypes());
        } else if (member instanceof JavaCodeUnit) {
          JavaCodeUnit unit = (JavaCodeUnit) member;
          mentioned.addAll(unit.getReturnType().getAllInvolvedRawTypes());
          unit.getParameterTypes().forEach(p -> mentioned.addAll(p.getAllInvolvedRawTypes()));
          unit.getThrowsClause().getTypes().forEach(mentioned::add);
        }
        for (JavaClass m : mentioned) {
          String name = m.getBaseComponentType().getName();
          if (name.startsWith("io.grpc.") || name.startsWith("io.spiffe.") || name.startsWith("com.google.protobuf.")
              || name.startsWith("io.netty.")) {
            leaks.add(member.getFullName() + " mentions " + name);
          }
        }
      }
      type.getRawInterfaces().forEach(i -> {
        if (i.getName().startsWith("io.")) {
          leaks.add(type.getName() + " implements " + i.getName());
        }
      });
    }
    org.assertj.core.api.Assertions.assertThat(leaks).isEmpty();
  }

  @Test
  void publicTypesWhenListedThenOnlyTheEntryPointAndItsException() {
    List<String> publicTypes = classes.stream().filter(c -> c.getModifiers().contains(JavaModifier.PUBLIC)).map(c -> c.getName()).sorted().toList();
    org.assertj.core.api.Assertions.assertThat(publicTypes).containsExactly(
        "dev.lanyard.workloadapi.WorkloadApiException", "dev.lanyard.workloadapi.WorkloadApiIdentity",
        "dev.lanyard.workloadapi.WorkloadApiIdentity$Builder");
  }
}
