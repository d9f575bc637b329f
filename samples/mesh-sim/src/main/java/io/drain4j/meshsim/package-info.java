/**
 * The mesh pod-termination simulator: real HAProxy sidecars, a kubelet and a workload around each
 * drain4j demo.
 */
package io.drain4j.meshsim;
