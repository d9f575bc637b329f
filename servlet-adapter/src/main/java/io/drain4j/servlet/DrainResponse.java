package io.drain4j.servlet;

import io.drain4j.DrainCoordinator;
import io.drain4j.InFlight;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;

/**
 * Follows a tracked response: adds {@code Connection: close} to an HTTP/1.x response when it
 * commits while the coordinator is draining, and writes the response out when the filter chain
 * returns ({@link #finish()}), so that the unit ends only once the container has nothing left to
 * write (an error page the container writes after {@code sendError} is left to it: see {@link
 * DrainFilter#RESPONSE_COMPLETION_ATTRIBUTE}).
 *
 * <p>{@code Connection: close} is set when the response commits while draining. Every path that can
 * commit a response goes through a check first: flushes, writes (a write can fill the buffer, or
 * reach the declared content length), {@code close}, {@code sendError} and {@code sendRedirect}.
 * The check costs one volatile read until the drain starts.
 *
 * <p>An HTTP/2 response is wrapped too, without the checks, because the wrapper is what marks a
 * request as tracked (see {@link DrainFilter}); it also carries the request's unit.
 */
final class DrainResponse extends HttpServletResponseWrapper {

  static final String CONNECTION = "Connection";
  static final String CLOSE = "close";

  private final DrainCoordinator drain;
  private final InFlight unit;
  private final boolean http1;

  /**
   * Set once the header is set, or once the response committed without it, or from the start for a
   * protocol without the header: nothing left to do.
   */
  private boolean settled;

  private ServletOutputStream stream;
  private PrintWriter writer;

  /** Which output the application took last: none (0), {@link #STREAM} or {@link #WRITER}. */
  private byte output;

  /**
   * Set by {@code sendError}, for good: the container writes an error page after the chain returns,
   * so the response must stay open for it.
   */
  private boolean errorSent;

  private static final byte STREAM = 1;
  private static final byte WRITER = 2;

  DrainResponse(
      HttpServletResponse response, DrainCoordinator drain, InFlight unit, boolean http1) {
    super(response);
    this.drain = drain;
    this.unit = unit;
    this.http1 = http1;
    this.settled = !http1;
  }

  /** The inbound unit that tracks the request. */
  InFlight unit() {
    return unit;
  }

  /**
   * Sets {@code Connection: close} when the drain has started and the response is not committed.
   */
  void closeConnectionIfDraining() {
    if (settled || !drain.isDraining()) {
      return;
    }
    settled = true;
    if (!isCommitted()) {
      setHeader(CONNECTION, CLOSE);
    }
  }

  /**
   * Writes the response out, unless the container still has to write an error page into it. The
   * container would close the output itself after the chain returns, and write out what the
   * application left in the buffer then, outside the tracked region: closing it here moves that
   * write inside it. Closing computes the content length of a response that has not committed yet,
   * as the container does, and blocks until the last byte is handed to the connection (or the write
   * failed).
   *
   * @return whether the response was written out; {@code false} after {@code sendError}
   * @throws IOException when the write failed, for example because the client has gone
   */
  boolean finish() throws IOException {
    if (errorSent) {
      return false;
    }
    if (output == WRITER) {
      // A writer swallows write errors; the container's own completion fails the same way.
      getWriter().close();
    } else {
      getOutputStream().close();
    }
    return true;
  }

  @Override
  public void flushBuffer() throws IOException {
    closeConnectionIfDraining();
    super.flushBuffer();
  }

  @Override
  public void reset() {
    super.reset();
    // reset() clears the headers, ours included.
    settled = !http1;
  }

  @Override
  public void sendError(int sc, String msg) throws IOException {
    errorSent = true;
    closeConnectionIfDraining();
    super.sendError(sc, msg);
  }

  @Override
  public void sendError(int sc) throws IOException {
    errorSent = true;
    closeConnectionIfDraining();
    super.sendError(sc);
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    closeConnectionIfDraining();
    super.sendRedirect(location);
  }

  @Override
  public void sendRedirect(String location, int sc) throws IOException {
    closeConnectionIfDraining();
    super.sendRedirect(location, sc);
  }

  @Override
  public void sendRedirect(String location, boolean clearBuffer) throws IOException {
    closeConnectionIfDraining();
    super.sendRedirect(location, clearBuffer);
  }

  @Override
  public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
    closeConnectionIfDraining();
    super.sendRedirect(location, sc, clearBuffer);
  }

  @Override
  public ServletOutputStream getOutputStream() throws IOException {
    ServletOutputStream out = super.getOutputStream();
    output = STREAM;
    if (!http1) {
      return out;
    }
    if (stream == null) {
      stream = new Stream(out);
    }
    return stream;
  }

  @Override
  public PrintWriter getWriter() throws IOException {
    PrintWriter out = super.getWriter();
    output = WRITER;
    if (!http1) {
      return out;
    }
    if (writer == null) {
      writer = new Writer(out);
    }
    return writer;
  }

  /** The container's output stream, checked before every operation that may commit. */
  private final class Stream extends ServletOutputStream {
    private final ServletOutputStream out;

    Stream(ServletOutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      closeConnectionIfDraining();
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      closeConnectionIfDraining();
      out.write(b, off, len);
    }

    @Override
    public void write(ByteBuffer buffer) throws IOException {
      closeConnectionIfDraining();
      out.write(buffer);
    }

    @Override
    public void flush() throws IOException {
      closeConnectionIfDraining();
      out.flush();
    }

    @Override
    public void close() throws IOException {
      closeConnectionIfDraining();
      out.close();
    }

    @Override
    public boolean isReady() {
      return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      out.setWriteListener(listener);
    }
  }

  /**
   * The container's writer, checked before every operation that may commit. {@link PrintWriter}
   * routes all its print, append and format methods through the overridden ones.
   */
  private final class Writer extends PrintWriter {
    Writer(PrintWriter out) {
      // PrintWriter.checkError() asks a wrapped PrintWriter, so the container's swallowed write
      // errors still reach the application.
      super(out, false);
    }

    @Override
    public void write(int c) {
      closeConnectionIfDraining();
      super.write(c);
    }

    @Override
    public void write(char[] buf, int off, int len) {
      closeConnectionIfDraining();
      super.write(buf, off, len);
    }

    @Override
    public void write(String s, int off, int len) {
      closeConnectionIfDraining();
      super.write(s, off, len);
    }

    /** {@link PrintWriter#println()} writes the line separator past the write methods. */
    @Override
    public void println() {
      closeConnectionIfDraining();
      super.println();
    }

    @Override
    public void flush() {
      closeConnectionIfDraining();
      super.flush();
    }

    @Override
    public void close() {
      closeConnectionIfDraining();
      super.close();
    }
  }
}
