/** The ledger example: a Spring Boot service behind Spring Security, over mutual TLS. */
@NullMarked
package dev.lanyard.examples.ledger;

import org.jspecify.annotations.NullMarked;
