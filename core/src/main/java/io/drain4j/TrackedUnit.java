package io.drain4j;

/**
 * One admitted unit. Kept small (one object of at most 48 bytes per unit) because every request
 * allocates one; its slot in the {@link UnitTable} doubles as the exit-once guard.
 */
final class TrackedUnit implements InFlight {
  final DefaultDrainCoordinator owner;
  final UnitKind kind;
  final String name;
  final Thread thread;
  final long startNanos;

  /** Segment and index in the owner's table; written before the unit is published. */
  int slot;

  TrackedUnit(
      DefaultDrainCoordinator owner, UnitKind kind, String name, Thread thread, long startNanos) {
    this.owner = owner;
    this.kind = kind;
    this.name = name;
    this.thread = thread;
    this.startNanos = startNanos;
  }

  @Override
  public void exit() {
    owner.exit(this);
  }

  @Override
  public UnitKind kind() {
    return kind;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return kind.tag() + " " + (name == null ? "(unnamed)" : name);
  }
}
