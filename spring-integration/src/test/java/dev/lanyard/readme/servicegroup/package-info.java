/**
 * The HTTP service group example of spring-integration/README.md (a Lanyard target whose URL is the group's base URL),
 * compiled and run by {@code ServiceGroupApplicationTest}: its tagged regions are what the README shows. Outside
 * {@code dev.lanyard.spring}, so that no other test application's component scan finds it.
 */
@NullMarked
package dev.lanyard.readme.servicegroup;

import org.jspecify.annotations.NullMarked;
