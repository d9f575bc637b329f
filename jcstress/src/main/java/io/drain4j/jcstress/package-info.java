/** jcstress tests of the drain coordinator's invariants (DESIGN §3), through its public API. */
package io.drain4j.jcstress;
