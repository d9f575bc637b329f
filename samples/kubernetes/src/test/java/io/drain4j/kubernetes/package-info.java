/** Checks of the Kubernetes manifests: parsed with the fabric8 model, hooks run for real. */
package io.drain4j.kubernetes;
