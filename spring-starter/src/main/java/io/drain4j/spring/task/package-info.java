/**
 * Background tracking for Spring's task executors and schedulers ({@code @Async},
 * {@code @Scheduled}).
 */
package io.drain4j.spring.task;
