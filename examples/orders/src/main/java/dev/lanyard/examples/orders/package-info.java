/** The orders example: a Spring Boot service calling others through Boot's {@code RestClient} with the starter. */
@NullMarked
package dev.lanyard.examples.orders;

import org.jspecify.annotations.NullMarked;
