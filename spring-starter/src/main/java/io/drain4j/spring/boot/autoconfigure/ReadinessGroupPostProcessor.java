package io.drain4j.spring.boot.autoconfigure;

import java.util.List;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.AdditionalPathsMapper;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;

/**
 * Makes the {@code drain} health contributor a member of the {@code readiness} health group,
 * whether Spring Boot's availability probes created the group or the application configured it.
 * Runs after the probes' post-processor (both are ordered last; this one is registered later).
 */
final class ReadinessGroupPostProcessor implements HealthEndpointGroupsPostProcessor {
  static final String GROUP = "readiness";
  private final String member;

  ReadinessGroupPostProcessor(String member) {
    this.member = member;
  }

  @Override
  public HealthEndpointGroups postProcessHealthEndpointGroups(HealthEndpointGroups groups) {
    return groups.get(GROUP) == null ? groups : new Groups(groups, member);
  }

  /** The groups, with the readiness group widened. */
  private record Groups(HealthEndpointGroups delegate, String member)
      implements HealthEndpointGroups, AdditionalPathsMapper {

    @Override
    public HealthEndpointGroup getPrimary() {
      return delegate.getPrimary();
    }

    @Override
    public Set<String> getNames() {
      return delegate.getNames();
    }

    @Override
    public HealthEndpointGroup get(String name) {
      HealthEndpointGroup group = delegate.get(name);
      return group != null && GROUP.equals(name) ? new WithMember(group, member) : group;
    }

    @Override
    public List<String> getAdditionalPaths(EndpointId endpointId, WebServerNamespace namespace) {
      // The probes' decorator maps /readyz and /livez this way; keep that working.
      return delegate instanceof AdditionalPathsMapper mapper
          ? mapper.getAdditionalPaths(endpointId, namespace)
          : null;
    }
  }

  /** A group with one more member. */
  private record WithMember(HealthEndpointGroup delegate, String member)
      implements HealthEndpointGroup {

    @Override
    public boolean isMember(String name) {
      return member.equals(name) || delegate.isMember(name);
    }

    @Override
    public boolean showComponents(SecurityContext securityContext) {
      return delegate.showComponents(securityContext);
    }

    @Override
    public boolean showDetails(SecurityContext securityContext) {
      return delegate.showDetails(securityContext);
    }

    @Override
    public StatusAggregator getStatusAggregator() {
      return delegate.getStatusAggregator();
    }

    @Override
    public HttpCodeStatusMapper getHttpCodeStatusMapper() {
      return delegate.getHttpCodeStatusMapper();
    }

    @Override
    public AdditionalHealthEndpointPath getAdditionalPath() {
      return delegate.getAdditionalPath();
    }
  }
}
