package dev.lanyard.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.spiffe.SpiffeId;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InventoryTest {
  static final String GOOD = "{\"format\":\"lanyard-inventory/1\",\"maxTtl\":\"1h\",\"identities\":["
      + "{\"id\":\"spiffe://example.org/orders\",\"owner\":\"team-orders\",\"purpose\":\"orders\","
      + "\"environment\":\"prod\",\"maxTtl\":\"30m\"},"
      + "{\"id\":\"spiffe://example.org/ci\",\"deployOnly\":true}]}";

  @Test
  void parseWhenValidThenLookupFindsEachEntryWithItsFields() {
    Inventory inventory = Inventory.parse(GOOD, "inventory.json");
    InventoryEntry orders = inventory.lookup(SpiffeId.parse("spiffe://example.org/orders")).orElseThrow();
    assertThat(orders.owner()).contains("team-orders");
    assertThat(orders.purpose()).contains("orders");
    assertThat(orders.environment()).contains("prod");
    assertThat(orders.maxTtl()).contains(Duration.ofMinutes(30));
    assertThat(orders.deployOnly()).isFalse();
    assertThat(inventory.isDeployOnly(SpiffeId.parse("spiffe://example.org/ci"))).isTrue();
    assertThat(inventory.lookup(SpiffeId.parse("spiffe://example.org/ghost"))).isEmpty();
    assertThat(inventory.maxTtl()).contains(Duration.ofHours(1));
    assertThat(inventory.entries()).hasSize(2);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"format\":\"x\",\"identities\":[]}|\"format\"",
      "{\"format\":\"lanyard-inventory/1\"}|\"identities\"",
      "{\"format\":\"lanyard-inventory/1\",\"identities\":[{\"owner\":\"a\"}]}|identities[0]: \"id\"",
      "{\"format\":\"lanyard-inventory/1\",\"identities\":[{\"id\":\"http://x/y\"}]}|not a SPIFFE ID",
      "{\"format\":\"lanyard-inventory/1\",\"identities\":[{\"id\":\"spiffe://a/b\",\"ownr\":\"a\"}]}|unknown member \"ownr\"",
      "{\"format\":\"lanyard-inventory/1\",\"identities\":[{\"id\":\"spiffe://a/b\"},{\"id\":\"spiffe://a/b\"}]}|already listed at identities[0]",
      "{\"format\":\"lanyard-inventory/1\",\"identities\":[{\"id\":\"spiffe://a/b\",\"maxTtl\":\"soon\"}]}|\"maxTtl\"",
      "{\"format\":\"lanyard-inventory/1\",\"identities\":[{\"id\":\"spiffe://a/b\",\"maxTtl\":\"0s\"}]}|positive",
      "{\"format\":\"lanyard-inventory/1\",\"identities\":[{\"id\":\"spiffe://a/b\",\"owner\":\" \"}]}|\"owner\"",
      "{\"format\":\"lanyard-inventory/1\",\"identities\":[{\"id\":\"spiffe://a/b\",\"deployOnly\":\"yes\"}]}|\"deployOnly\"",
      "not json|not a JSON object"})
  void parseWhenInvalidThenInventoryExceptionNamingSourceAndProblem(String json, String problem) {
    assertThatThrownBy(() -> Inventory.parse(json, "inv.json")).isInstanceOf(InventoryException.class)
        .hasMessageStartingWith("inv.json: ").hasMessageContaining(problem);
  }
}
