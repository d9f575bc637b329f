package io.drain4j.servlet;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.drain4j.DrainCoordinator;
import io.drain4j.DrainListener;
import io.drain4j.DrainStatus;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A view of a coordinator that tells when the listeners registered through it (a container's
 * connector control) have returned from their QUIESCING callback. The core runs listeners side by
 * side on its callback threads and completes {@code whenQuiescing()} once they returned or 250 ms
 * after QUIESCING, whichever comes first; on a loaded machine a callback thread can start later
 * than that, and the connector control is then still to run when the future completes.
 */
final class ListenerWatch {
  private final DrainCoordinator view;
  private final List<CompletableFuture<Void>> quiesced = new CopyOnWriteArrayList<>();

  ListenerWatch(DrainCoordinator coordinator) {
    InvocationHandler forward =
        (proxy, method, args) -> {
          if (method.getName().equals("addListener")) {
            coordinator.addListener(watched((DrainListener) args[0]));
            return null;
          }
          try {
            return method.invoke(coordinator, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    view =
        (DrainCoordinator)
            Proxy.newProxyInstance(
                DrainCoordinator.class.getClassLoader(),
                new Class<?>[] {DrainCoordinator.class},
                forward);
  }

  /** The coordinator to hand to the container integration; forwards every call. */
  DrainCoordinator coordinator() {
    return view;
  }

  /**
   * Waits (bounded) until every listener registered through {@link #coordinator()} has returned
   * from its QUIESCING callback.
   */
  void awaitQuiescingCallbacks() throws Exception {
    for (CompletableFuture<Void> f : quiesced) {
      f.get(10, SECONDS);
    }
  }

  private DrainListener watched(DrainListener listener) {
    CompletableFuture<Void> returned = new CompletableFuture<>();
    quiesced.add(returned);
    return new DrainListener() {
      @Override
      public void onDraining() {
        listener.onDraining();
      }

      @Override
      public void onQuiescing() {
        try {
          listener.onQuiescing();
        } finally {
          returned.complete(null);
        }
      }

      @Override
      public void onDrained(DrainStatus status) {
        listener.onDrained(status);
      }

      @Override
      public String toString() {
        return listener.toString();
      }
    };
  }
}
