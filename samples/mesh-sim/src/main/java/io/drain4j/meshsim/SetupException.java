package io.drain4j.meshsim;

/** The machine cannot run the simulator as asked; the message says what to do. */
final class SetupException extends Exception {

  private static final long serialVersionUID = 1L;

  SetupException(String message) {
    super(message);
  }
}
