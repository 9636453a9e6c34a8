/*
 * licitagraph: activates the open-source Graph Data Science procedures on a Neo4j server assembled from
 * Maven Central. The GDS procedures published there expect one injectable component, the
 * GraphDataScienceProcedures facade, which the official GDS plugin jar registers through an extension
 * that is not published as a Maven artifact. This extension registers it with the open-edition choices:
 * native writes only, no metrics, an in-memory model catalog, no model persistence and no license.
 */
package io.licitagraph.neo4j;

import java.util.Optional;
import org.neo4j.configuration.Config;
import org.neo4j.gds.LicensingBusinessFacade;
import org.neo4j.gds.OpenGdsLicensingServiceBuilder;
import org.neo4j.gds.SysInfoProcFacade;
import org.neo4j.gds.applications.modelcatalog.ModelRepository;
import org.neo4j.gds.applications.operations.FeatureTogglesRepository;
import org.neo4j.gds.core.model.Model;
import org.neo4j.gds.core.model.ModelCatalog;
import org.neo4j.gds.core.model.OpenModelCatalogProvider;
import org.neo4j.gds.core.write.NativeExportBuildersProvider;
import org.neo4j.gds.metrics.Metrics;
import org.neo4j.gds.procedures.ExporterBuildersProviderService;
import org.neo4j.gds.procedures.integration.DefaultExportLocation;
import org.neo4j.gds.procedures.integration.LogAccessor;
import org.neo4j.gds.procedures.integration.OpenGraphDataScienceExtensionBuilder;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.extension.ExtensionFactory;
import org.neo4j.kernel.extension.context.ExtensionContext;
import org.neo4j.kernel.lifecycle.Lifecycle;
import org.neo4j.logging.internal.LogService;

public class OpenGdsActivation extends ExtensionFactory<OpenGdsActivation.Dependencies> {

    public OpenGdsActivation() {
        super("licitagraph.gds.open");
    }

    @Override
    public Lifecycle newInstance(ExtensionContext context, Dependencies deps) {
        var log = new LogAccessor().getLog(deps.logService(), getClass());
        Config config = deps.config();
        ExporterBuildersProviderService exporters = (db, cfg) -> new NativeExportBuildersProvider();
        ModelCatalog catalog = new OpenModelCatalogProvider().get().orElseThrow();
        ModelRepository noPersistence = new ModelRepository() {
            @Override
            public void store(Model<?, ?, ?> model) {
                throw new UnsupportedOperationException("storing models is not available in open-source GDS");
            }
        };
        // gds.license.state and gds.debug.sysInfo inject this facade; the open edition is always unlicensed.
        var licensing = new LicensingBusinessFacade(new OpenGdsLicensingServiceBuilder().build(config));
        var sysInfo = new SysInfoProcFacade(licensing);
        deps.globalProcedures().registerComponent(SysInfoProcFacade.class, ctx -> sysInfo, true);

        var products = OpenGraphDataScienceExtensionBuilder.create(
            log,
            deps.globalProcedures(),
            config,
            exporters,
            new DefaultExportLocation(log, config),
            new FeatureTogglesRepository(),
            Metrics.DISABLED,
            catalog,
            noPersistence,
            Optional.empty(),
            Optional.empty(),
            Optional.empty());
        return products.getLeft().build();
    }

    public interface Dependencies {
        Config config();

        GlobalProcedures globalProcedures();

        LogService logService();
    }
}
