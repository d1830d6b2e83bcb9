package dev.lanyard.examples.orders;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * {@code spiffe://example.org/orders}: takes orders from the outside world and charges them through payments. Lanyard
 * is configured in {@code application.properties} only: the starter gives the service its identity, checks inbound
 * calls against {@code lanyard-policy.txt}, and attaches a JWT-SVID to the calls Boot's {@code RestClient} makes to the
 * targets named there (and to nothing else).
 *
 * <p>Thread-safe: a Spring Boot application class.
 */
@SpringBootApplication
public class OrdersApplication {
  /** Starts the service; {@code --server.port=…}, {@code --orders.payments-url=…} and so on override the defaults. */
  public static void main(String[] args) {
    SpringApplication.run(OrdersApplication.class, args);
  }
}
