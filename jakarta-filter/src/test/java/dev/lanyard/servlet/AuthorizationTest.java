package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.inventory.Inventory;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Decision;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyMatch;
import dev.lanyard.spiffe.SpiffeId;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Tests {@link Authorization}: one policy match per request, decisions from it, and the deploy-only check. */
class AuthorizationTest {
  static final Caller ORDERS = new Caller(SpiffeId.parse("spiffe://example.org/orders"), Set.of("orders:read"),
      Caller.CredentialType.JWT_SVID, "t1");
  static final Caller DEPLOYER = new Caller(SpiffeId.parse("spiffe://example.org/ci/deployer"), Set.of(),
      Caller.CredentialType.JWT_SVID, "t2");
  static final Policy POLICY = Policy.parse(String.join("\n",
      "GET  /health  public",
      "GET  /orders  spiffe://example.org/orders  orders:read",
      "POST /orders  spiffe://example.org/orders  orders:write",
      ""), "policy.txt");
  static final Inventory INVENTORY = Inventory.parse("""
      {"format": "lanyard-inventory/1", "identities": [
        {"id": "spiffe://example.org/ci/deployer", "owner": "platform", "deployOnly": true}
      ]}""", "inventory.json");

  @Test
  void matchWhenCalledThenAsksThePolicySourceOnceAndAnswersPublicAndDecisionFromThatMatch() {
    AtomicInteger asks = new AtomicInteger();
    Authorization authorization = new Authorization(() -> {
      asks.incrementAndGet();
      return POLICY;
    }, null);

    PolicyMatch health = authorization.match("GET", "/health");
    PolicyMatch orders = authorization.match("GET", "/orders");
    PolicyMatch write = authorization.match("POST", "/orders");
    PolicyMatch none = authorization.match("DELETE", "/orders");

    assertThat(asks).hasValue(4);
    assertThat(health.isPublic()).isTrue();
    assertThat(orders.isPublic()).isFalse();
    assertThat(authorization.decide(orders, ORDERS).outcome()).isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(authorization.decide(orders, ORDERS).rule().orElseThrow().line()).isEqualTo(2);
    Decision insufficient = authorization.decide(write, ORDERS);
    assertThat(insufficient.outcome()).isEqualTo(Decision.Outcome.INSUFFICIENT_SCOPE);
    assertThat(insufficient.missingScopes()).containsExactly("orders:write");
    assertThat(none.isEmpty()).isTrue();
    assertThat(authorization.decide(none, ORDERS).outcome()).isEqualTo(Decision.Outcome.DENIED);
    assertThat(asks).as("deciding asks the policy source nothing more").hasValue(4);
  }

  @Test
  void matchWhenThePolicySourceChangesThenTheNextRequestMatchesTheNewPolicy() {
    AtomicReference<Policy> current = new AtomicReference<>(POLICY);
    Authorization authorization = new Authorization(current::get, null);
    PolicyMatch before = authorization.match("GET", "/orders");

    current.set(Policy.parse("GET /orders spiffe://example.org/ledger\n", "policy-2.txt"));

    assertThat(authorization.decide(before, ORDERS).outcome()).as("a request in flight keeps its match")
        .isEqualTo(Decision.Outcome.ALLOWED);
    assertThat(authorization.decide(authorization.match("GET", "/orders"), ORDERS).outcome())
        .isEqualTo(Decision.Outcome.DENIED);
  }

  @Test
  void isDeployOnlyWhenInventoryListsTheCallerThenTrueOnlyForIt() {
    Authorization withInventory = new Authorization(() -> POLICY, INVENTORY);
    Authorization without = new Authorization(() -> POLICY, null);

    assertThat(withInventory.isDeployOnly(DEPLOYER)).isTrue();
    assertThat(withInventory.isDeployOnly(ORDERS)).isFalse();
    assertThat(without.isDeployOnly(DEPLOYER)).isFalse();
  }
}
