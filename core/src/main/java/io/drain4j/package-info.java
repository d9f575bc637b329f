/** The drain coordinator: lifecycle, in-flight tracking, outbound clients and configuration. */
package io.drain4j;
