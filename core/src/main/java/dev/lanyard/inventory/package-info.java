/**
 * The identity inventory: per SPIFFE ID an owner, a purpose, an environment, the longest credential it may hold and
 * whether it is a deploy-only identity (a CI pipeline, never a runtime caller). Read from a JSON file
 * ({@code "format": "lanyard-inventory/1"}, see {@link dev.lanyard.inventory.Inventory}); an authority or a verifier
 * asks it with {@link dev.lanyard.inventory.Inventory#lookup(dev.lanyard.spiffe.SpiffeId)}.
 *
 * <p>It depends only on {@code spiffe}, so the authority and the adapters can enforce it.
 */
@NullMarked
package dev.lanyard.inventory;

import org.jspecify.annotations.NullMarked;
