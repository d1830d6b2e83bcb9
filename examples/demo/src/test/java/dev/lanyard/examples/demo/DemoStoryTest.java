package dev.lanyard.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoStoryTest {
  @Test
  void tamperWhenScopeEditedThenSignatureKeptAndPayloadChanged() {
    String payload = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"scope\":\"payments:charge\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String token = "aGVhZGVy." + payload + ".c2ln";

    String forged = DemoStory.tamper(token);

    assertThat(forged).startsWith("aGVhZGVy.").endsWith(".c2ln").isNotEqualTo(token);
  }
}
