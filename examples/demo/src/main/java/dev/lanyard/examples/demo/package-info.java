/**
 * The demo driver: starts the three example services as separate processes on one shared embedded authority and tells
 * the story step by step (see {@link dev.lanyard.examples.demo.DemoStory}).
 */
@NullMarked
package dev.lanyard.examples.demo;

import org.jspecify.annotations.NullMarked;
