package io.drain4j.kubernetes;

/** How the sidecar next to the application is kept alive while the application drains. */
enum Mesh {
  /** Istio: a container named {@code istio-proxy} carries the drain4j hook into the sidecar. */
  ISTIO,
  /**
   * Istio with the distroless proxy image (no shell, no curl): the hook is {@code pilot-agent wait}
   * on {@code /drain/await}, an exec of the proxy's own binary.
   */
  ISTIO_DISTROLESS,
  /**
   * Istio with its sidecar as a native sidecar ({@code sidecar.istio.io/nativeSidecar}, 1.24+; the
   * default from 1.28 on Kubernetes 1.33+): Istio's own preStop drains, the kubelet stops the proxy
   * after the application; no drain4j hook.
   */
  ISTIO_NATIVE,
  /** Istio ambient: no sidecar, ztunnel on the node; the application's drain is all there is. */
  ISTIO_AMBIENT,
  /** Alibaba Cloud ASM: the namespace's sidecar lifecycle, set in the console, has the hook. */
  ASM,
  /** A sidecar of one's own as an init container with {@code restartPolicy: Always}. */
  NATIVE_SIDECAR,
  /** Linkerd, regular sidecar: a fixed wait before the proxy's exit covers the drain. */
  LINKERD,
  /** Linkerd, proxy as a native sidecar: the kubelet stops it after the application. */
  LINKERD_NATIVE
}
