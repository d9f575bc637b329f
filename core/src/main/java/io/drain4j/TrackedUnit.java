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

  /** Bits of {@link #slot} for the position in the table: 65,536 segments of 1,024 slots. */
  static final int POSITION_BITS = 26;

  static final int POSITION_MASK = (1 << POSITION_BITS) - 1;

  /** Cells a coordinator may stripe its counts over; numbers 0 to 31. */
  static final int MAX_CELLS = 32;

  /** The cell number of a unit counted in the coordinator's central word. */
  static final int CENTRAL = 63;

  /**
   * The position in the owner's table (segment and index) in the low {@link #POSITION_BITS}, and
   * the counting cell in the high six bits: packed so that the unit stays at 40 bytes. Written
   * before the unit is published.
   */
  int slot;

  TrackedUnit(
      DefaultDrainCoordinator owner, UnitKind kind, String name, Thread thread, long startNanos) {
    this.owner = owner;
    this.kind = kind;
    this.name = name;
    this.thread = thread;
    this.startNanos = startNanos;
  }

  int position() {
    return slot & POSITION_MASK;
  }

  int cell() {
    return slot >>> POSITION_BITS;
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
