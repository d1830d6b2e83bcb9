package dev.lanyard.readme.payments;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.web.client.RestClient;

// tag::checkout[]
@Service
class Checkout {
  private final RestClient payments;

  // Spring Boot's builder: the starter's customizer is applied; the URL is the target's, written once
  Checkout(RestClient.Builder builder, @Value("${lanyard.client.targets.payments.url}") String url) {
    this.payments = builder.baseUrl(url).build();
  }

  String charge() {
    return payments.post().uri("/charge").retrieve().body(String.class);   // carries a token for payments
  }
}
// end::checkout[]
