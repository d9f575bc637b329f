package io.drain4j.kubernetes;

/** How the sidecar next to the application is kept alive while the application drains. */
enum Mesh {
  /** Istio: a container named {@code istio-proxy} carries the drain4j hook into the sidecar. */
  ISTIO,
  /** Alibaba Cloud ASM: the namespace's sidecar lifecycle, set in the console, has the hook. */
  ASM,
  /** A sidecar of one's own as an init container with {@code restartPolicy: Always}. */
  NATIVE_SIDECAR,
  /** Linkerd, regular sidecar: a fixed wait before the proxy's exit covers the drain. */
  LINKERD,
  /** Linkerd, proxy as a native sidecar: the kubelet stops it after the application. */
  LINKERD_NATIVE
}
