/**
 * The complete minimal service of spring-integration/README.md, compiled and run by {@code PaymentsApplicationTest}:
 * its tagged regions are what the README shows. Outside {@code dev.lanyard.spring}, so that no other test
 * application's component scan finds it.
 */
@NullMarked
package dev.lanyard.readme.payments;

import org.jspecify.annotations.NullMarked;
