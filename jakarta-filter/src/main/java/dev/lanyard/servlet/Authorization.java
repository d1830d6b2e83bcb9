package dev.lanyard.servlet;

import dev.lanyard.inventory.Inventory;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Decision;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyMatch;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The filter's policy decision: matches a request's method and path against the current policy once, answers from
 * that one match whether the request needs a credential and then what the verified caller may do, and refuses a
 * caller the identity inventory lists as deploy-only whatever policy says. Writes nothing and records nothing: the
 * {@link EntryPoint} answers and {@link InboundAudit} records.
 *
 * <p>Thread-safe: the policy source must be (a {@link dev.lanyard.policy.PolicyFile} is); policies and the inventory
 * are immutable.
 */
final class Authorization {
  private final Supplier<Policy> policy;
  private final @Nullable Inventory inventory;

  /**
   * @param policy the current policy, asked once per request
   * @param inventory the identity inventory, or null for none
   */
  Authorization(Supplier<Policy> policy, @Nullable Inventory inventory) {
    this.policy = policy;
    this.inventory = inventory;
  }

  /**
   * The rules of the current policy matching the request: the request's one policy match, which both
   * {@link PolicyMatch#isPublic()} and {@link #decide} answer from.
   *
   * @param path the request path within the application, normalised
   */
  PolicyMatch match(String method, String path) {
    return policy.get().match(method, path);
  }

  /** True when the identity inventory lists the verified caller as deploy-only: refused before policy. */
  boolean isDeployOnly(Caller caller) {
    return inventory != null && inventory.isDeployOnly(caller.id());
  }

  /** What policy says of the verified caller, from the request's match. */
  Decision decide(PolicyMatch match, Caller caller) {
    return match.decide(caller);
  }

  @Override
  public String toString() {
    return "Authorization[inventory=" + (inventory != null) + "]";
  }
}
