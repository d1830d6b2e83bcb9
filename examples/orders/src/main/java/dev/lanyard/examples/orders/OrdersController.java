package dev.lanyard.examples.orders;

import java.nio.charset.StandardCharsets;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * Places an order by charging it at payments ({@code POST /charge}, scope {@code payments:charge}), and reads the
 * ledger ({@code GET /entries}, scope {@code ledger:read}, over mutual TLS). Both clients come from Boot's
 * {@code RestClient.Builder}, so the starter adds the token: this class never sees one.
 */
@RestController
class OrdersController {
  private final RestClient payments;
  private final RestClient ledger;

  OrdersController(RestClient.Builder clients, @Value("${orders.payments-url}") String paymentsUrl,
      @Value("${orders.ledger-url}") String ledgerUrl) {
    this.payments = clients.clone().baseUrl(paymentsUrl).build();
    this.ledger = clients.clone().baseUrl(ledgerUrl).build();
  }

  @GetMapping("/ready")
  String ready() {
    return "orders ready";
  }

  /** Charges the order at payments and answers with payments' status and body (so a refusal stays visible). */
  @PostMapping("/orders")
  ResponseEntity<String> place(@RequestParam(name = "amount", defaultValue = "42.00") String amount) {
    return payments.post().uri(uri -> uri.path("/charge").queryParam("amount", amount).build())
        .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
            .body(new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
  }

  /** How many entries the ledger holds, as the ledger answers it. */
  @GetMapping("/orders/ledger")
  ResponseEntity<String> ledger() {
    return ledger.get().uri("/entries")
        .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
            .body(new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
  }
}
