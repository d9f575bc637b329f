/** The HTTP status endpoint: readiness, liveness, drain trigger and drain long poll. */
package io.drain4j.status;
