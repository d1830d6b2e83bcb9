/**
 * The "chain of your own" of spring-integration/README.md, compiled and run by {@code ChainApplicationTest}: its
 * tagged region is what the README shows.
 */
@NullMarked
package dev.lanyard.readme.chain;

import org.jspecify.annotations.NullMarked;
