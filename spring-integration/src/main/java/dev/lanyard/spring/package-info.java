/**
 * Spring Boot auto-configuration for Lanyard: add {@code lanyard-spring-boot-starter} and a few {@code lanyard.*}
 * properties, and every inbound call is verified (JWT-SVID or X.509-SVID) and checked against policy, outbound calls
 * of Spring's HTTP clients carry tokens for their targets, and the SSL bundle {@code lanyard} serves mutual TLS with
 * the service's own X.509-SVID. Public types: {@link dev.lanyard.spring.LanyardAutoConfiguration},
 * {@link dev.lanyard.spring.LanyardProperties}, {@link dev.lanyard.spring.LanyardIdentity} (bring your own
 * credentials) and {@link dev.lanyard.spring.LanyardSecurityConfigurer} (add Lanyard to your own security chain).
 */
@NullMarked
package dev.lanyard.spring;

import org.jspecify.annotations.NullMarked;
