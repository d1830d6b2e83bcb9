package dev.lanyard.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Whether {@code lanyard.identity.source}, bound as {@link LanyardProperties} binds it (so {@code workload-api},
 * {@code WORKLOAD_API} and {@code workload_api} are one), names the Workload API, files, or neither. A value that does not bind fails
 * the start naming the property, as binding {@link LanyardProperties} would.
 *
 * <p>Thread-safe: stateless.
 */
abstract class IdentitySourceCondition extends SpringBootCondition {
  private final boolean workloadApi;
  private final boolean files;

  IdentitySourceCondition(boolean workloadApi) {
    this(workloadApi, false);
  }

  IdentitySourceCondition(boolean workloadApi, boolean files) {
    this.workloadApi = workloadApi;
    this.files = files;
  }

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    LanyardProperties.Source source = Binder.get(context.getEnvironment())
        .bind(LanyardSettings.IDENTITY_SOURCE, LanyardProperties.Source.class)
        .orElse(LanyardProperties.Source.EMBEDDED);
    boolean matches = (source == LanyardProperties.Source.WORKLOAD_API) == workloadApi
        && (source == LanyardProperties.Source.FILES) == files;
    return new ConditionOutcome(matches, LanyardSettings.IDENTITY_SOURCE + " is " + source);
  }

  /** The source is the Workload API. */
  static final class WorkloadApi extends IdentitySourceCondition {
    WorkloadApi() {
      super(true);
    }
  }

  /** The source is files kept current by a sidecar. */
  static final class Files extends IdentitySourceCondition {
    Files() {
      super(false, true);
    }
  }

  /**
   * The source is neither the Workload API nor files (the embedded authority's configuration, which refuses other
   * sources).
   */
  static final class NotWorkloadApi extends IdentitySourceCondition {
    NotWorkloadApi() {
      super(false);
    }
  }
}
