package dev.lanyard.readme.servicegroup;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.service.annotation.PostExchange;
import org.springframework.web.service.registry.ImportHttpServices;

// tag::service-group[]
@SpringBootApplication
@ImportHttpServices(group = "payments", types = PaymentsApi.class)
class OrdersApplication {}

interface PaymentsApi {
  @PostExchange("/charge")
  String charge();                             // carries a token for payments
}
// end::service-group[]
