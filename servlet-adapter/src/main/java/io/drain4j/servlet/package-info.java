/** Jakarta Servlet 6 integration: the request-tracking {@link io.drain4j.servlet.DrainFilter}. */
package io.drain4j.servlet;
