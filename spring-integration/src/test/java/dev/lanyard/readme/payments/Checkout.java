package dev.lanyard.readme.payments;

import org.springframework.stereotype.Service;
import org.springframework.web.client.RestClient;

// tag::checkout[]
@Service
class Checkout {
  private final RestClient payments;

  Checkout(RestClient.Builder builder) {        // Spring Boot's builder: the starter's customizer is applied
    this.payments = builder.baseUrl("https://payments.internal:8443/api").build();
  }

  String charge() {
    return payments.post().uri("/charge").retrieve().body(String.class);   // carries a token for payments
  }
}
// end::checkout[]
