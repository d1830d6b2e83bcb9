/** The payments example: a plain servlet application on embedded Tomcat 11 with LanyardFilter. */
@NullMarked
package dev.lanyard.examples.payments;

import org.jspecify.annotations.NullMarked;
