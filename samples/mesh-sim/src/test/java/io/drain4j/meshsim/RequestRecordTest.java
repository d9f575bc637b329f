package io.drain4j.meshsim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RequestRecordTest {

  private static final long SENT = 1_000_000_000L;

  @Test
  void whenTheApplicationExitsBeforeAnAcceptedJobIsDueThenTheJobIsLost() {
    RequestRecord job = record(Endpoint.JOB, 4000, Outcome.OK);

    assertThat(job.jobLostAt(SENT + 3_999_000_000L)).isTrue();
  }

  @Test
  void whenTheApplicationExitsAfterTheJobIsDueThenItIsNotCountedLost() {
    RequestRecord job = record(Endpoint.JOB, 4000, Outcome.OK);

    assertThat(job.jobLostAt(SENT + 4_000_000_000L)).isFalse();
    assertThat(job.jobLostAt(0)).as("exit unknown").isFalse();
  }

  @Test
  void whenTheRequestIsNoAcceptedJobThenItIsNeverCountedAsALostJob() {
    assertThat(record(Endpoint.WORK, 4000, Outcome.OK).jobLostAt(SENT + 1)).isFalse();
    assertThat(record(Endpoint.JOB, 4000, Outcome.REJECTED).jobLostAt(SENT + 1)).isFalse();
  }

  private static RequestRecord record(Endpoint endpoint, long ms, Outcome outcome) {
    return new RequestRecord(endpoint, ms, true, SENT, SENT + 5_000_000L, outcome, null, null);
  }
}
