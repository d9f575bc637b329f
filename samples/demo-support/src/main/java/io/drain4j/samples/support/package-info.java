/**
 * What the demos share: {@link io.drain4j.samples.support.DemoEnv} reads a demo's own settings from
 * the environment, {@link io.drain4j.samples.support.DemoExit} is the shutdown hook that lets a
 * demo exit at DRAINED with its status endpoint answering until then.
 */
package io.drain4j.samples.support;
