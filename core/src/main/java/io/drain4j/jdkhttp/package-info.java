/** Tracked outbound calls through the JDK's {@link java.net.http.HttpClient}. */
package io.drain4j.jdkhttp;
