/** Shared pieces of the README example tests (in the packages below this one). */
@NullMarked
package dev.lanyard.readme;

import org.jspecify.annotations.NullMarked;
