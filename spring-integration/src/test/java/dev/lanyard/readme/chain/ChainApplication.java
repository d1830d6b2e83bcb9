package dev.lanyard.readme.chain;

import dev.lanyard.spring.LanyardSecurityConfigurer;
import java.security.Principal;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** An application with a security chain of its own, the README's, and two endpoints to call through it. */
@SpringBootApplication
public class ChainApplication {
  // tag::chain[]
  @Bean
  SecurityFilterChain api(HttpSecurity http) throws Exception {
    http.with(LanyardSecurityConfigurer.lanyard())
        .authorizeHttpRequests(requests -> requests
            .requestMatchers("/admin/**").hasAuthority("SCOPE_inventory:admin")
            .anyRequest().authenticated());
    return http.build();
  }
  // end::chain[]

  @RestController
  static class Endpoints {
    @GetMapping({"/admin/stock", "/stock"})
    String stock(Principal caller) {
      return "stock for " + caller.getName();
    }
  }
}
